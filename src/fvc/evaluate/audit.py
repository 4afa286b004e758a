"""Shortcut audit: can something other than the manipulation tell real from fake, under the pipeline's own folds?

Two probes are fitted fold by fold as the split assigns (train on the other folds, score fold k), on the videos
only (augmented copies would add nothing a probe could use):

- **metadata**: width, height, aspect ratio, fps, frame count, duration, file size, bits per pixel, codec and pixel
  format (one-hot), and the encoder's rate setting when the file carries it (x264 and x265 write their options,
  e.g. ``rc=crf ... crf=23.0`` or ``rc=cbr ... bitrate=96``, into the stream: ``rate_setting`` is that number,
  missing otherwise), and the same two compared with the video's *peers*: the videos of its group with the same
  width, height, fps and frame count, i.e. a fake's real twin in a paired corpus (``size_vs_peers``: log size
  minus the peers' mean log size; ``rate_vs_peers``: the rate setting minus the peers' mean; 0 without peers).
  The peer columns use no label and no other group, so they are fair under group folds, and they catch what
  corpus-wide columns miss when sizes vary far more between renditions than between twins: "every fake is a
  little bigger than its real twin". Two classifiers: a standardised logistic regression (a linear shortcut:
  "fakes are bigger files") and gradient-boosted trees (a threshold or interaction: "fakes are 4:3 at 25 fps").
  The audit's metadata AUC is the higher.
- **features**: the ``logreg`` feature baseline on the handcrafted features (frame-wide statistics).

Each probe's AUC is pooled over all out-of-fold scores, with the mean and std over folds beside it. A metadata AUC
above ``max_metadata_auc`` (params ``audit``) sets ``warning``: the corpus can be separated without looking at
the pixels, and a detector's number on it may measure that.

How much of a metadata AUC is noise: ``metadata_null`` refits both probes on ``null_permutations`` copies of the
labels shuffled inside each fold group (every file kept, each group's and fold's class counts kept, any link
between a file and its label broken) and gives the mean and 95th percentile of the metadata AUC they reach, and
the permutation p-value of the observed one. On 96 videos the band reaches about 0.63: a bar of 0.6 is inside it.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from fvc.errors import FvcError
from fvc.evaluate.metrics import binary_metrics
from fvc.models.registry import build_feature_model
from fvc.train.baseline import feature_columns

NUMERIC = ("width", "height", "aspect_ratio", "fps", "frame_count", "duration_s", "size_bytes", "bits_per_pixel")
PEER_KEYS = ("group", "width", "height", "fps", "frame_count")  # a video's peers share all of these
PEER = ("size_vs_peers", "rate_vs_peers")
CATEGORICAL = ("codec", "pix_fmt")
HEAD_BYTES = 1 << 20  # encoders write their options in the first frame's SEI, near the start of the stream
_RATE = re.compile(rb"\b(?:crf|qp|bitrate)=([0-9]+(?:\.[0-9]+)?)")


def rate_setting(path: str | os.PathLike) -> float:
    """The rate-control number an x264/x265 stream records in its options (crf, qp or bitrate), else NaN."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError:
        return math.nan
    options = head.find(b"options:")
    match = _RATE.search(head, options) if options >= 0 else None
    return float(match.group(1)) if match else math.nan


def metadata_table(videos: pl.DataFrame, root: str | os.PathLike) -> pl.DataFrame:
    """One row per video: ``video_id``, the NUMERIC columns, ``rate_setting``, the PEER columns (module docstring)
    and one-hot CATEGORICAL columns. ``videos`` has schema VIDEOS with paths under ``root``."""
    table = videos.with_columns(
        (pl.col("width") / pl.col("height")).alias("aspect_ratio"),
        (pl.col("size_bytes") * 8 / (pl.col("width") * pl.col("height") * pl.col("frame_count").clip(1))).alias(
            "bits_per_pixel"
        ),
        pl.Series("rate_setting", [rate_setting(Path(root) / p) for p in videos["path"]], dtype=pl.Float64),
    )
    log_size = pl.col("size_bytes").cast(pl.Float64).clip(1).log()
    table = table.with_columns(
        (log_size - log_size.mean().over(PEER_KEYS)).alias("size_vs_peers"),
        # A NaN rate (not x264/x265) stays NaN, and the imputer's indicator carries it.
        (pl.col("rate_setting") - pl.col("rate_setting").mean().over(PEER_KEYS)).alias("rate_vs_peers"),
    )
    onehot = table.select(CATEGORICAL).to_dummies()
    return pl.concat([table.select("video_id", *NUMERIC, "rate_setting", *PEER), onehot], how="horizontal")


def _out_of_fold(x: np.ndarray, y: np.ndarray, fold: np.ndarray, make) -> np.ndarray:
    """Scores of every row from a model fitted on the other folds' rows."""
    scores = np.zeros(len(y))
    for k in np.unique(fold):
        model = make()
        model.fit(x[fold != k], y[fold != k])
        scores[fold == k] = model.predict_proba(x[fold == k])[:, 1]
    return scores


def _shuffled_within_groups(y: np.ndarray, groups: np.ndarray, n: int, seed: int) -> list[np.ndarray]:
    """``n`` copies of ``y``, each shuffled inside every group (so group and fold class counts stay), seeded."""
    rng = np.random.default_rng(seed)
    members = [np.flatnonzero(groups == g) for g in np.unique(groups)]
    copies = []
    for _ in range(n):
        yp = y.copy()
        for idx in members:
            yp[idx] = y[rng.permutation(idx)]
        copies.append(yp)
    return copies


def _summary(y: np.ndarray, scores: np.ndarray, fold: np.ndarray) -> dict[str, Any]:
    """Pooled AUC, and its mean and std over folds (NaN folds, with one class, left out)."""
    per_fold = {int(k): binary_metrics(y[fold == k], scores[fold == k])["auc_roc"] for k in np.unique(fold)}
    values = np.array([v for v in per_fold.values() if not math.isnan(v)])
    return {
        "auc_roc": binary_metrics(y, scores)["auc_roc"],
        "mean_auc_roc": float(values.mean()) if values.size else math.nan,
        "std_auc_roc": float(values.std()) if values.size else math.nan,
    }


def audit(
    videos: pl.DataFrame,
    folds: pl.DataFrame,
    features: pl.DataFrame | None,
    *,
    root: str | os.PathLike,
    seed: int,
    logreg_options: dict,
    max_metadata_auc: float,
    null_permutations: int = 50,
) -> dict[str, Any]:
    """The content of ``results/audit.json`` (module docstring) for the indexed ``videos`` (schema VIDEOS, paths
    under ``root``) under ``folds`` (schema FOLDS); ``features`` (data/features) or None to skip that probe;
    ``null_permutations`` label shuffles for ``metadata_null`` (0: none). FvcError if that is not an int >= 0."""
    if isinstance(null_permutations, bool) or not isinstance(null_permutations, int) or null_permutations < 0:
        raise FvcError(f"audit: null_permutations must be a non-negative integer, got {null_permutations!r}")
    table = folds.select("video_id", "fold", "label").join(metadata_table(videos, root), on="video_id")
    table = table.sort("video_id")
    y = (table["label"] == "fake").to_numpy().astype(np.int64)
    fold = table["fold"].to_numpy()
    columns = [c for c in table.columns if c not in ("video_id", "fold", "label")]
    x = table.select(columns).to_numpy().astype(np.float64)
    probes = {
        "metadata_linear": lambda: make_pipeline(
            SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
            StandardScaler(),
            LogisticRegression(max_iter=1000),
        ),
        "metadata_trees": lambda: HistGradientBoostingClassifier(max_iter=100, max_leaf_nodes=7, random_state=seed),
    }
    # One thread: the probes fit a few hundred rows, where OpenMP's pool costs more than it saves; on 2 busy cores
    # its spin-waits made one audit of 96 videos take 18 s instead of 0.16 s (same scores either way).
    with threadpool_limits(limits=1):
        report: dict[str, Any] = {
            name: _summary(y, _out_of_fold(x, y, fold, make), fold) for name, make in probes.items()
        }
        metadata_auc = max(report["metadata_linear"]["auc_roc"], report["metadata_trees"]["auc_roc"])
        groups = folds.select("video_id", "group").join(table.select("video_id"), on="video_id").sort("video_id")
        null = [
            max(binary_metrics(yp, _out_of_fold(x, yp, fold, make))["auc_roc"] for make in probes.values())
            for yp in _shuffled_within_groups(y, groups["group"].to_numpy(), null_permutations, seed)
        ]
    report["metadata_auc"] = metadata_auc
    if null:
        report["metadata_null"] = {
            "permutations": len(null),
            "mean_auc_roc": float(np.mean(null)),
            "q95_auc_roc": float(np.quantile(null, 0.95)),
            "p_value": (1 + sum(v >= metadata_auc for v in null)) / (1 + len(null)),
        }
    if features is not None:
        originals = features.filter(pl.col("video_id") == pl.col("parent_id"))
        rows = folds.select("video_id", "fold", "label").join(originals, on="video_id").sort("video_id")
        fx = rows.select(feature_columns(features)).to_numpy().astype(np.float64)
        fy = (rows["label"] == "fake").to_numpy().astype(np.int64)
        ffold = rows["fold"].to_numpy()
        make = lambda: build_feature_model("logreg", seed=seed, **logreg_options)  # noqa: E731
        with threadpool_limits(limits=1):
            report["features"] = _summary(fy, _out_of_fold(fx, fy, ffold, make), ffold)
    report["max_metadata_auc"] = max_metadata_auc
    report["warning"] = bool(metadata_auc > max_metadata_auc)
    report["metadata_columns"] = columns
    report["rate_setting_found"] = int(table["rate_setting"].is_not_nan().sum())
    report["n"] = table.height
    return report
