"""Gathering what the train@k stages wrote: out-of-fold predictions and dvclive learning curves."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from fvc.errors import FvcError
from fvc.schema import LOGGED_METRICS


def collect_predictions(train_dir: str | os.PathLike, folds: pl.DataFrame) -> pl.DataFrame:
    """Concatenate ``train_dir/fold_k/predictions.parquet`` over the folds of ``folds``.

    Raises FvcError if a fold of the split has no trained predictions (data/split is newer than the train
    stages), or if a prediction is for a video the split does not have. Videos of the split
    without a prediction (rejected after the split) are reported, not fatal.
    """
    frames = []
    for fold in sorted(folds["fold"].unique().to_list()):
        path = Path(train_dir) / f"fold_{fold}" / "predictions.parquet"
        if not path.exists():
            raise FvcError(
                f"{path}: missing; data/split/folds.parquet has fold {fold} but it was not trained"
                " (run `dvc repro`: the train@k stages follow params.yaml's cv.folds)"
            )
        frames.append(pl.read_parquet(path))
    predictions = pl.concat(frames).sort("fold", "video_id")
    expected, got = set(folds["video_id"]), set(predictions["video_id"])
    if got - expected:
        raise FvcError(
            f"{train_dir}: predictions for {len(got - expected)} video(s) not in the split, e.g."
            f" {sorted(got - expected)[0]!r}: rerun the train stages"
        )
    if expected - got:  # a video that scale or features rejected has no clip or features to predict from
        print(
            f"evaluate: {len(expected - got)} video(s) of the split have no prediction (rejected by scale or features,"
            f" see data/scaled/rejects.parquet and data/features/rejects.parquet), e.g. {sorted(expected - got)[0]!r}"
        )
    return predictions


def read_history(live_dir: str | os.PathLike) -> pl.DataFrame:
    """A fold's per-epoch log from dvclive's ``plots/metrics/<name>.tsv``: epoch plus fvc.schema.LOGGED_METRICS."""
    metrics_dir = Path(live_dir) / "plots" / "metrics"
    history: pl.DataFrame | None = None
    for name in LOGGED_METRICS:
        path = metrics_dir / f"{name}.tsv"
        if not path.exists():
            continue
        frame = pl.read_csv(path, separator="\t").select(pl.col("step").alias("epoch"), pl.col(name))
        history = frame if history is None else history.join(frame, on="epoch", how="full", coalesce=True)
    return history.sort("epoch") if history is not None else pl.DataFrame({"epoch": []}, schema={"epoch": pl.Int64})


def learning_curves(histories: dict[int, pl.DataFrame]) -> pl.DataFrame:
    """Every fold's history (read_history) in one long table: fold, epoch, then the logged metrics.

    One file for all folds, so dvc.yaml's learning-curve plots name no fold (the fold list lives in params.yaml).
    """
    frames = [h.select(pl.lit(fold, dtype=pl.Int32).alias("fold"), pl.all()) for fold, h in sorted(histories.items())]
    return pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame(schema={"fold": pl.Int32})
