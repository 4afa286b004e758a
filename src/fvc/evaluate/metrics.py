"""Video-level metrics of a binary fake-video detector, per fold and across folds.

Conventions (as in scikit-learn): label 1 = fake (the positive class), 0 = real; the score is ``p_fake``, the
predicted probability that a video is fake. Functions are pure over arrays or polars frames; only ``write_json``
touches the filesystem.

``build_metrics_report`` returns::

    {"mean":   {"accuracy": ..., "ap": ..., "auc_roc": ..., "eer": ..., "f1": ..., "log_loss": ..., ...},
     "std":    {same keys as mean},
     "pooled": {every key of binary_metrics, on all out-of-fold predictions concatenated},
     "folds":  {"fold_0": {every key of binary_metrics}, "fold_1": {...}, ...}}

Stage evaluate writes ``folds`` to ``results/fold_metrics.json`` and the rest (plus the model and the audit's
headline) to ``results/metrics.json``, the file ``dvc metrics``/``dvc exp show`` list. They show numbers only,
keyed ``mean.auc_roc``, ``pooled.f1``...; lists and nulls are dropped, which is why the confusion matrix is also
given as the scalars ``tn, fp, fn, tp``.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    confusion_matrix,
    f1_score,
    log_loss,
    precision_score,
    recall_score,
    roc_auc_score,
    roc_curve,
)

from fvc.atomic import atomic_path
from fvc.errors import FvcError
from fvc.schema import PREDICTIONS

# String labels as the manifest writes them; 1 is the positive class.
LABEL_CODES = {"real": 0, "fake": 1}
PREDICTION_COLUMNS = tuple(PREDICTIONS)
# Counts are properties of the split, not of the model: they are summed (pooled), never averaged over folds.
COUNT_KEYS = frozenset({"n", "n_fake", "n_real", "tn", "fp", "fn", "tp"})
# log(0) is -inf: probabilities are clipped this far from 0 and 1 before the log-loss.
LOG_LOSS_EPS = 1e-15
JSON_DECIMALS = 6


def check_binary_inputs(y_true: Any, p_fake: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validate labels and scores and return them as 1-D ``int64`` and ``float64`` arrays.

    ``y_true``: 0/1 (or bool, or the strings ``real``/``fake``); ``p_fake``: finite, in [0, 1]; same length, not
    empty. Raises FvcError naming the column (``label`` or ``p_fake``), the first bad value and its index.
    """
    labels = np.asarray(y_true)
    scores = np.asarray(p_fake)
    for name, arr in (("label", labels), ("p_fake", scores)):
        if arr.ndim != 1:
            raise FvcError(f"{name}: expected a 1-D array, got shape {arr.shape}")
    if len(labels) != len(scores):
        raise FvcError(f"label and p_fake have different lengths ({len(labels)} vs {len(scores)})")
    if len(labels) == 0:
        raise FvcError("label and p_fake are empty: there are no predictions to evaluate")

    if labels.dtype.kind in "USO":
        codes = np.array([LABEL_CODES.get(v, -1) if isinstance(v, str) else -1 for v in labels.tolist()])
        bad = np.flatnonzero(codes < 0)
        if bad.size:
            i = int(bad[0])
            raise FvcError(f"label: expected 'real' or 'fake', got {labels[i]!r} at index {i}")
        labels = codes
    elif labels.dtype.kind in "biuf":
        bad = np.flatnonzero((labels != 0) & (labels != 1))
        if bad.size:
            i = int(bad[0])
            raise FvcError(f"label: expected 0 (real) or 1 (fake), got {labels[i]!r} at index {i}")
    else:
        raise FvcError(f"label: expected 0/1 or 'real'/'fake', got values of dtype {labels.dtype}")

    if scores.dtype.kind not in "biuf":
        raise FvcError(f"p_fake: expected numbers in [0, 1], got values of dtype {scores.dtype}")
    scores = scores.astype(np.float64)
    bad = np.flatnonzero(~np.isfinite(scores) | (scores < 0) | (scores > 1))
    if bad.size:
        i = int(bad[0])
        raise FvcError(f"p_fake: expected a finite probability in [0, 1], got {scores[i]!r} at index {i}")
    return labels.astype(np.int64), scores


def equal_error_rate(y_true: Any, p_fake: Any) -> float:
    """Equal error rate: where the ROC curve's false-positive rate equals its false-negative rate (1 - TPR).

    The crossing is linearly interpolated between the two ROC points around it. Returns NaN when only one class is
    present (the curve is undefined). Raises FvcError on invalid inputs (see ``check_binary_inputs``).
    """
    labels, scores = check_binary_inputs(y_true, p_fake)
    if len(np.unique(labels)) < 2:
        return math.nan
    # Every point is kept so the interpolation runs between adjacent thresholds, not across dropped ones.
    fpr, tpr, _ = roc_curve(labels, scores, drop_intermediate=False)
    # fpr - fnr rises from -1 at (0, 0) to +1 at (1, 1), so it crosses 0 exactly once.
    gap = fpr - (1.0 - tpr)
    i = int(np.argmax(gap >= 0))
    if gap[i] == 0 or i == 0:
        return float(fpr[i])
    # On the segment between points i-1 and i, fpr and fnr are both linear in t, so they are equal where gap is 0.
    t = -gap[i - 1] / (gap[i] - gap[i - 1])
    return float(fpr[i - 1] + t * (fpr[i] - fpr[i - 1]))


def binary_metrics(y_true: Any, p_fake: Any, threshold: float = 0.5) -> dict[str, Any]:
    """Metrics of one set of video-level predictions (a fold, or all folds pooled).

    Inputs: ``y_true`` 0/1 (1 = fake) or 'real'/'fake'; ``p_fake`` in [0, 1]; a video is predicted fake when
    ``p_fake >= threshold``. Returns floats ``auc_roc, ap, eer, f1, accuracy, precision, recall, log_loss``
    (precision/recall/F1 are 0 when undefined; AUC, AP and EER are NaN when only one class is present), ints
    ``n, n_fake, n_real, tn, fp, fn, tp`` and ``confusion_matrix`` as ``[[tn, fp], [fn, tp]]``.
    Raises FvcError on invalid inputs or a threshold outside [0, 1].
    """
    labels, scores = check_binary_inputs(y_true, p_fake)
    if not 0.0 <= threshold <= 1.0:
        raise FvcError(f"threshold: expected a number in [0, 1], got {threshold!r}")
    predicted = (scores >= threshold).astype(np.int64)
    both_classes = len(np.unique(labels)) == 2
    (tn, fp), (fn, tp) = confusion_matrix(labels, predicted, labels=[0, 1]).tolist()
    clipped = np.clip(scores, LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS)
    return {
        "auc_roc": float(roc_auc_score(labels, scores)) if both_classes else math.nan,
        "ap": float(average_precision_score(labels, scores)) if both_classes else math.nan,
        "eer": equal_error_rate(labels, scores),
        "f1": float(f1_score(labels, predicted, zero_division=0)),
        "accuracy": float(accuracy_score(labels, predicted)),
        "precision": float(precision_score(labels, predicted, zero_division=0)),
        "recall": float(recall_score(labels, predicted, zero_division=0)),
        "log_loss": float(log_loss(labels, clipped, labels=[0, 1])),
        "confusion_matrix": [[tn, fp], [fn, tp]],
        "tn": tn,
        "fp": fp,
        "fn": fn,
        "tp": tp,
        "n": len(labels),
        "n_fake": int(labels.sum()),
        "n_real": int(len(labels) - labels.sum()),
    }


def _is_scalar(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def cv_summary(per_fold: Mapping[int, Mapping[str, Any]]) -> dict[str, Any]:
    """Aggregate per-fold ``binary_metrics`` dicts.

    Returns ``{"mean": {...}, "std": {...}, "confusion_matrix": [[tn, fp], [fn, tp]], "n_folds": k}``: mean and std
    of every scalar metric except the counts, ignoring NaN folds (a metric NaN in every fold stays NaN), and the
    confusion matrices summed. The std is the population std (ddof=0): the k folds are the whole set of folds of
    this split, not a sample of them, and it is what scikit-learn reports for CV scores (``std_test_score``).
    Raises FvcError when ``per_fold`` is empty.
    """
    if not per_fold:
        raise FvcError("cv_summary: no folds to summarise")
    folds = [per_fold[k] for k in sorted(per_fold)]
    keys: list[str] = []
    for metrics in folds:
        keys += [k for k, v in metrics.items() if _is_scalar(v) and k not in COUNT_KEYS and k not in keys]
    mean: dict[str, float] = {}
    std: dict[str, float] = {}
    for key in keys:
        values = np.array([float(m[key]) for m in folds if key in m], dtype=np.float64)
        values = values[~np.isnan(values)]
        mean[key] = float(values.mean()) if values.size else math.nan
        std[key] = float(values.std(ddof=0)) if values.size else math.nan
    matrices = [np.asarray(m["confusion_matrix"], dtype=np.int64) for m in folds if "confusion_matrix" in m]
    pooled_cm = np.sum(matrices, axis=0).tolist() if matrices else None
    return {"mean": mean, "std": std, "confusion_matrix": pooled_cm, "n_folds": len(folds)}


def normalise_predictions(predictions: pl.DataFrame) -> pl.DataFrame:
    """Validate an out-of-fold predictions frame and return it with ``label`` as 0/1, sorted by fold, video_id.

    Input columns: ``video_id``, ``fold`` (int), ``label`` ('real'/'fake' or 0/1), ``p_fake`` (in [0, 1]); other
    columns are dropped. Output types: String, Int64, Int64, Float64. Raises FvcError naming the missing column,
    a null, a duplicated video_id, or the bad label/score.
    """
    missing = [c for c in PREDICTION_COLUMNS if c not in predictions.columns]
    if missing:
        raise FvcError(f"predictions: missing column(s) {', '.join(missing)}; expected {PREDICTION_COLUMNS}")
    frame = predictions.select(PREDICTION_COLUMNS)
    for column in PREDICTION_COLUMNS:
        nulls = frame[column].null_count()
        if nulls:
            raise FvcError(f"predictions: column {column} has {nulls} null value(s)")
    if frame.height == 0:
        raise FvcError("predictions: the table is empty; there are no predictions to evaluate")
    if not frame["fold"].dtype.is_integer():
        raise FvcError(f"predictions: column fold must be an integer, got {frame['fold'].dtype}")
    duplicated = frame.filter(pl.col("video_id").is_duplicated())["video_id"]
    if len(duplicated):
        raise FvcError(f"predictions: video_id {duplicated[0]!r} appears more than once (one row per video)")
    labels, scores = check_binary_inputs(frame["label"].to_numpy(), frame["p_fake"].to_numpy())
    return frame.with_columns(
        pl.col("video_id").cast(pl.String),
        pl.col("fold").cast(pl.Int64),
        pl.Series("label", labels, dtype=pl.Int64),
        pl.Series("p_fake", scores, dtype=pl.Float64),
    ).sort("fold", "video_id")


def build_metrics_report(predictions: pl.DataFrame, threshold: float = 0.5) -> dict[str, Any]:
    """The content of ``results/metrics.json`` from out-of-fold predictions (one row per video).

    Input: see ``normalise_predictions``. Returns ``{"mean", "std", "pooled", "folds"}``: mean/std over folds of
    each metric (``cv_summary``), ``binary_metrics`` of all predictions concatenated, and ``binary_metrics`` per
    fold keyed ``fold_<k>``. Raises FvcError on an invalid frame or threshold.
    """
    frame = normalise_predictions(predictions)
    per_fold: dict[int, dict[str, Any]] = {}
    for (fold,), rows in frame.group_by("fold", maintain_order=True):
        per_fold[int(fold)] = binary_metrics(rows["label"].to_numpy(), rows["p_fake"].to_numpy(), threshold)
    summary = cv_summary(per_fold)
    return {
        "mean": summary["mean"],
        "std": summary["std"],
        "pooled": binary_metrics(frame["label"].to_numpy(), frame["p_fake"].to_numpy(), threshold),
        "folds": {f"fold_{k}": metrics for k, metrics in per_fold.items()},
    }


def method_metrics(predictions: pl.DataFrame, methods: pl.DataFrame) -> dict[str, dict[str, Any]]:
    """AUC of each manipulation method's fakes against the reals, fold by fold: ``{method: {"auc_mean", "auc_std",
    "auc_pooled", "n_fake", "n_folds"}}``.

    A fold's AUC for method m ranks its test reals against its test fakes of m alone; mean and std (ddof=0, as
    cv_summary) run over the folds that hold both. ``methods`` maps video_id to ``method`` (the video index; reals
    have any method, conventionally ``none``). With ``train.fake_methods`` leaving a method out of training, its
    line is the leave-one-method-out (cross-manipulation) number, beside the trained methods' in-distribution ones.
    Videos without a method row count as their own method ``unknown``.
    """
    frame = normalise_predictions(predictions).join(methods.select("video_id", "method"), on="video_id", how="left")
    frame = frame.with_columns(pl.col("method").fill_null("unknown"))
    reals = frame.filter(pl.col("label") == 0)
    out: dict[str, dict[str, Any]] = {}
    for method in sorted(frame.filter(pl.col("label") == 1)["method"].unique().to_list()):
        fakes = frame.filter((pl.col("label") == 1) & (pl.col("method") == method))
        aucs = []
        for fold in sorted(fakes["fold"].unique().to_list()):
            f, r = fakes.filter(pl.col("fold") == fold), reals.filter(pl.col("fold") == fold)
            if f.height and r.height:
                y = np.r_[np.zeros(r.height), np.ones(f.height)]
                aucs.append(float(roc_auc_score(y, np.r_[r["p_fake"].to_numpy(), f["p_fake"].to_numpy()])))
        y = np.r_[np.zeros(reals.height), np.ones(fakes.height)]
        pooled = (
            roc_auc_score(y, np.r_[reals["p_fake"].to_numpy(), fakes["p_fake"].to_numpy()]) if reals.height else None
        )
        out[method] = {
            "auc_mean": float(np.mean(aucs)) if aucs else math.nan,
            "auc_std": float(np.std(aucs)) if aucs else math.nan,
            "auc_pooled": float(pooled) if pooled is not None else math.nan,
            "n_fake": fakes.height,
            "n_folds": len(aucs),
        }
    return out


def to_jsonable(obj: Any, decimals: int = JSON_DECIMALS) -> Any:
    """``obj`` with numpy scalars/arrays made Python, floats rounded to ``decimals``, and NaN/±inf made None.

    JSON has no NaN: ``json.dumps`` would write the non-standard token ``NaN``, which strict parsers (and DVC's
    metrics reader) reject; null says "undefined". Dicts, lists and tuples are converted recursively.
    """
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v, decimals) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist(), decimals)
    if isinstance(obj, Sequence) and not isinstance(obj, str | bytes):
        return [to_jsonable(v, decimals) for v in obj]
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        value = float(obj)
        # +0.0 for -0.0 as well, so a sign flip in rounding noise never shows up as a diff.
        return round(value, decimals) + 0.0 if math.isfinite(value) else None
    return obj


def write_json(obj: Any, path: str | os.PathLike) -> Path:
    """Write ``obj`` to ``path`` as JSON, atomically: sorted keys, indent 2, floats rounded to 6 decimals, NaN as null.

    Returns the path. Raises TypeError for values JSON cannot represent (a programming error, not a user one).
    """
    text = json.dumps(to_jsonable(obj), sort_keys=True, indent=2, allow_nan=False) + "\n"
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
