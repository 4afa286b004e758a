"""Cross-corpus evaluation: the fold ensemble scores a corpus it never trained on (stage ``crosseval``).

The corpus lies in its own folder in any layout (params ``crosseval.root``, ``crosseval.layout``,
``crosseval.options``). Ingest lists and probes it as it does the training corpus; each accepted video becomes a
clip through ``fvc.clips.clip_of`` with the scale params the checkpoints carry (as ``fvc predict`` does), and every
fold's model scores it. The ensemble's ``p_fake`` is the mean over the fold models.

``results/crosseval/metrics.json`` (``cross_report``)::

    {"model": ..., "corpus": {"root", "layout", "videos", "rejected"},
     "ensemble":    binary_metrics of the ensemble's p_fake (the number beside the CV one),
     "fold_models": {"mean": {...}, "std": {...}}: each fold's model alone, summarised as the CV folds are,
     "methods":     {<method>: {"auc_roc", "recall", "n_fake"}}: each method's fakes against all the reals}

A feature baseline keeps no fitted model to score new videos with (``models/fold_k/baseline.json`` describes it),
so for one the report says ``"scored": false`` with the reason, and the tables are empty.
"""

from __future__ import annotations

import os
from functools import partial
from typing import Any

import numpy as np
import polars as pl
from tqdm import tqdm

from fvc.clips import ScaleParams, clip_of
from fvc.errors import FvcError
from fvc.evaluate.metrics import binary_metrics, cv_summary
from fvc.pervideo.engine import reject_reason
from fvc.predict import Ensemble, fold_scores, prepared_ahead
from fvc.schema import CROSS_PREDICTIONS, REJECTS
from fvc.video import VideoError

# The metrics a per-method line keeps: how well that method's fakes rank above the reals, and how many are caught.
METHOD_METRICS = ("auc_roc", "recall", "n_fake")
# Each fold model alone, summarised: the ranking and the decision, not every metric (dvc exp show stays narrow).
FOLD_MODEL_METRICS = ("auc_roc", "ap", "f1", "eer")


def _clip_or_reason(row: dict, root: str, scale: ScaleParams) -> np.ndarray | str:
    try:
        return clip_of(row, root, scale)
    except (VideoError, OSError) as err:
        return reject_reason(err)


def score_index(
    videos: pl.DataFrame, root: str | os.PathLike, ensemble: Ensemble, workers: int = 1
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Score every video of an ingested index (schema VIDEOS, paths relative to ``root``) with every fold model.

    Returns (predictions, rejects): predictions in schema CROSS_PREDICTIONS, sorted by video_id, with the
    ensemble's ``p_fake`` and each fold model's in ``fold_p_fake`` (the ensemble's fold order); rejects (schema
    REJECTS) for videos that probed but did not decode. Clips are prepared on ``workers`` processes.
    """
    rows = videos.sort("video_id").to_dicts()
    prepare = partial(_clip_or_reason, root=str(root), scale=ensemble.scale)
    scored, rejected = [], []
    with tqdm(total=len(rows), desc="crosseval", unit="video", leave=False, disable=None) as bar:
        for row, clip in prepared_ahead(rows, prepare, workers):
            if isinstance(clip, str):
                rejected.append({"video_id": row["video_id"], "path": row["path"], "reason": clip})
            else:
                folds = fold_scores(clip, ensemble)
                keep = {k: row[k] for k in ("video_id", "label", "group", "method", "source")}
                scored.append({**keep, "p_fake": float(np.mean(folds)), "fold_p_fake": folds})
            bar.update(1)
    return pl.DataFrame(scored, schema=CROSS_PREDICTIONS), pl.DataFrame(rejected, schema=REJECTS)


def cross_report(predictions: pl.DataFrame, threshold: float) -> dict[str, Any]:
    """The ``ensemble``, ``fold_models`` and ``methods`` parts of metrics.json (module docstring) from the
    predictions of ``score_index``. Raises FvcError when there is nothing to evaluate."""
    if predictions.height == 0:
        raise FvcError("crosseval: no video of the corpus could be scored (see results/crosseval/rejects.parquet)")
    labels = predictions["label"].to_numpy()
    per_model = np.asarray(predictions["fold_p_fake"].to_list(), dtype=np.float64)  # (videos, folds)
    models = {k: binary_metrics(labels, per_model[:, k], threshold) for k in range(per_model.shape[1])}
    summary = cv_summary(models)
    reals = predictions.filter(pl.col("label") == "real")
    methods = {}
    for method in sorted(predictions.filter(pl.col("label") == "fake")["method"].unique()):
        part = pl.concat([reals, predictions.filter((pl.col("label") == "fake") & (pl.col("method") == method))])
        metrics = binary_metrics(part["label"].to_numpy(), part["p_fake"].to_numpy(), threshold)
        methods[method] = {k: metrics[k] for k in METHOD_METRICS}
    return {
        "ensemble": binary_metrics(labels, predictions["p_fake"].to_numpy(), threshold),
        "fold_models": {s: {k: summary[s][k] for k in FOLD_MODEL_METRICS} for s in ("mean", "std")},
        "methods": methods,
    }
