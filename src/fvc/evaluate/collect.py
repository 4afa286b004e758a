"""Gathering what the train@k stages wrote: out-of-fold predictions and dvclive learning curves."""

from __future__ import annotations

import json
import os
from pathlib import Path

import polars as pl

from fvc.errors import FvcError

HISTORY_COLUMNS = ("train_loss", "val_loss", "val_f1", "val_auc", "lr", "pad_fraction")


def collect_predictions(train_dir: str | os.PathLike, folds: pl.DataFrame) -> pl.DataFrame:
    """Concatenate ``train_dir/fold_k/predictions.parquet`` over the folds of ``folds``.

    Raises FvcError if a fold of the split has no trained predictions (for example cv.n_splits larger than
    the folds dvc.yaml trains), or if a prediction is for a video the split does not have. Videos of the split
    without a prediction (rejected after the split) are reported, not fatal.
    """
    frames = []
    for fold in sorted(folds["fold"].unique().to_list()):
        path = Path(train_dir) / f"fold_{fold}" / "predictions.parquet"
        if not path.exists():
            raise FvcError(
                f"{path}: missing; data/split/folds.parquet has fold {fold} but it was not trained"
                " (dvc.yaml's train foreach must list every fold below cv.n_splits)"
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
    """A fold's per-epoch log from dvclive's ``plots/metrics/<name>.tsv`` files: epoch plus HISTORY_COLUMNS."""
    metrics_dir = Path(live_dir) / "plots" / "metrics"
    history: pl.DataFrame | None = None
    for name in HISTORY_COLUMNS:
        path = metrics_dir / f"{name}.tsv"
        if not path.exists():
            continue
        frame = pl.read_csv(path, separator="\t").select(pl.col("step").alias("epoch"), pl.col(name))
        history = frame if history is None else history.join(frame, on="epoch", how="full", coalesce=True)
    return history.sort("epoch") if history is not None else pl.DataFrame({"epoch": []}, schema={"epoch": pl.Int64})


def trained_folds(train_dir: str | os.PathLike) -> list[int]:
    """Folds whose ``status.json`` says they were trained."""
    out = []
    for status in sorted(Path(train_dir).glob("fold_*/status.json")):
        if json.loads(status.read_text(encoding="utf-8")).get("trained"):
            out.append(int(status.parent.name.removeprefix("fold_")))
    return sorted(out)
