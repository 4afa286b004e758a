"""Is a change in a metric more than noise? A paired bootstrap over the same test videos.

Two runs' out-of-fold predictions (``video_id, fold, label, p_fake``) are paired by video. Each bootstrap draw
resamples the videos of every fold with replacement (so each fold keeps its size and its videos' pairing),
computes each run's metric per fold and averages over folds, as ``results/metrics.json``'s ``mean`` does; the
change's percentile interval over the draws says how far chance alone moves it. A change whose interval holds 0
is "within noise". The draws come from a fixed seed: the same inputs give the same interval.

Metrics: ``auc_roc`` (the Mann-Whitney statistic on average ranks, computed for all draws at once), ``accuracy``
and ``f1`` at the threshold.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.stats import rankdata

from fvc.errors import FvcError

METRICS = ("auc_roc", "f1", "accuracy")


def _auc(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """ROC AUC of each row of ``p`` (draws x videos) for labels ``y`` (same shape); NaN for a one-class row."""
    ranks = rankdata(p, axis=1)
    pos = y.sum(axis=1)
    neg = y.shape[1] - pos
    with np.errstate(invalid="ignore", divide="ignore"):
        return ((ranks * y).sum(axis=1) - pos * (pos + 1) / 2) / (pos * neg)


def _scores(y: np.ndarray, p: np.ndarray, threshold: float) -> dict[str, np.ndarray]:
    """Every metric of each row (draws x videos)."""
    called = p >= threshold
    tp = (called & (y == 1)).sum(axis=1)
    fp = (called & (y == 0)).sum(axis=1)
    fn = (~called & (y == 1)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), 0.0)
    return {"auc_roc": _auc(y, p), "f1": f1, "accuracy": (called == (y == 1)).mean(axis=1)}


def paired(current: pl.DataFrame, baseline: pl.DataFrame) -> pl.DataFrame:
    """The videos both runs scored: video_id, fold (the current run's), y (1 = fake), p (current), p_base.

    Raises FvcError when the runs share no video, or disagree on a video's label."""
    both = current.select("video_id", "fold", "label", "p_fake").join(
        baseline.select("video_id", pl.col("label").alias("label_base"), pl.col("p_fake").alias("p_base")),
        on="video_id",
    )
    if both.height == 0:
        raise FvcError("report: the baseline and this run share no test video; nothing to compare")
    differ = both.filter(pl.col("label") != pl.col("label_base"))
    if differ.height:
        raise FvcError(f"report: video {differ['video_id'][0]!r} has another label in the baseline's predictions")
    return both.select(
        "video_id", "fold", (pl.col("label") == "fake").cast(pl.Int64).alias("y"), pl.col("p_fake").alias("p"), "p_base"
    ).sort("fold", "video_id")


def compare(
    current: pl.DataFrame,
    baseline: pl.DataFrame,
    *,
    threshold: float = 0.5,
    draws: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> pl.DataFrame:
    """One row per metric of METRICS: metric, baseline, current, delta (means over folds, on the paired videos),
    low, high (the ``level`` percentile interval of delta over ``draws`` bootstrap draws), within_noise
    (low <= 0 <= high), n (paired videos)."""
    both = paired(current, baseline)
    rng = np.random.default_rng(seed)
    point = {m: ([], []) for m in METRICS}
    drawn = {m: ([], []) for m in METRICS}
    for (_fold,), rows in both.group_by("fold", maintain_order=True):
        y, p, b = (rows[c].to_numpy() for c in ("y", "p", "p_base"))
        idx = rng.integers(0, rows.height, size=(draws, rows.height))
        for run, scores in enumerate((p, b)):
            once = _scores(y[None, :], scores[None, :], threshold)
            many = _scores(y[idx], scores[idx], threshold)
            for m in METRICS:
                point[m][run].append(once[m][0])
                drawn[m][run].append(many[m])
    out = []
    for m in METRICS:
        cur, base = np.nanmean(point[m][0]), np.nanmean(point[m][1])
        delta = np.nanmean(np.stack(drawn[m][0]), axis=0) - np.nanmean(np.stack(drawn[m][1]), axis=0)
        low, high = np.nanquantile(delta, [(1 - level) / 2, (1 + level) / 2])
        out.append(
            {
                "metric": m,
                "baseline": float(base),
                "current": float(cur),
                "delta": float(cur - base),
                "low": float(low),
                "high": float(high),
                "within_noise": bool(low <= 0 <= high),
                "n": both.height,
            }
        )
    return pl.DataFrame(out)
