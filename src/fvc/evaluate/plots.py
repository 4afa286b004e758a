"""Plots of out-of-fold predictions: data files for ``dvc plots`` and PNG figures for humans.

DVC colours a plot's series by revision and by file, never by a column inside one file, so every plot-data file
that DVC renders holds exactly one series: ``dvc plots diff main HEAD`` then draws one pooled ROC curve per
revision. Per-fold curves go to ``*_folds.json`` (a ``fold`` column, for DuckDB or a custom template) and to the PNGs.

``write_plot_data(predictions, "results/plot_data")`` writes the files that the top-level ``plots:`` block of
``dvc.yaml`` draws: ``roc.json`` (pooled ROC: fold "pooled", fpr, tpr, threshold), ``precision_recall.json``
(pooled PR), ``confusion.json`` (one row per video: actual, predicted, "real" | "fake"), ``fold_metrics.csv``
(fold, auc_roc, ap, eer, f1, accuracy, precision, recall, log_loss, n, n_fake; drawn as AUC per fold) and
``calibration.csv`` (the pooled reliability diagram: predicted, observed per non-empty bin of 10);
``write_slice_data`` writes ``slices.csv`` (AUC per aspect ratio, with counts).
``write_png_plots(..., "results/plots")`` draws the PNGs, which dvc.yaml lists as a folder of images. The stage
also writes ``results/plot_data/learning_curves.csv`` (fvc.evaluate.collect.learning_curves), drawn per fold
through the custom template ``.dvc/plots/per_fold.json``.

The PNGs go to a folder of their own: a folder listed under ``plots:`` is rendered file by file, and data files
next to the PNGs would be drawn again with the default template. ``roc_folds.json`` and
``precision_recall_folds.json`` (all folds + pooled, ``fold`` is ``fold_<k>`` or ``pooled``) are not listed: with
the built-in templates their series would be joined into one line.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from sklearn.calibration import calibration_curve
from sklearn.metrics import precision_recall_curve, roc_curve

from fvc.atomic import atomic_path, write_csv
from fvc.evaluate.metrics import binary_metrics, normalise_predictions, to_jsonable, write_json

PLOT_DATA_FILES = (
    "roc.json",
    "roc_folds.json",
    "precision_recall.json",
    "precision_recall_folds.json",
    "confusion.json",
    "fold_metrics.csv",
    "calibration.csv",
)
PNG_FILES = (
    "roc_curve.png",
    "precision_recall_curve.png",
    "confusion_matrix.png",
    "learning_curves.png",
    "cv_fold_comparison.png",
    "calibration.png",
)
FOLD_METRICS = ("auc_roc", "ap", "eer", "f1", "accuracy", "precision", "recall", "log_loss", "n", "n_fake")
COMPARED_METRICS = ("auc_roc", "ap", "f1", "accuracy")
CLASS_NAMES = ("real", "fake")
CALIBRATION_BINS = 10
DPI = 100
POOLED = "pooled"


def _series(frame: pl.DataFrame) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, labels, scores) for each fold in order, then all folds pooled."""
    out = [
        (f"fold_{fold}", rows["label"].to_numpy(), rows["p_fake"].to_numpy())
        for (fold,), rows in frame.group_by("fold", maintain_order=True)
    ]
    out.append((POOLED, frame["label"].to_numpy(), frame["p_fake"].to_numpy()))
    return out


def _has_both_classes(labels: np.ndarray) -> bool:
    # A curve over one class is undefined (scikit-learn returns NaN rates and warns): such folds get no curve.
    return len(np.unique(labels)) == 2


def roc_rows(name: str, labels: np.ndarray, scores: np.ndarray) -> list[dict[str, Any]]:
    fpr, tpr, thresholds = roc_curve(labels, scores, drop_intermediate=True)
    # The first threshold is +inf ("nothing is fake"): JSON has no inf, so it is written as null.
    return [
        {"fold": name, "fpr": f, "tpr": t, "threshold": th if math.isfinite(th) else None}
        for f, t, th in zip(fpr.tolist(), tpr.tolist(), thresholds.tolist(), strict=True)
    ]


def _pr_rows(name: str, labels: np.ndarray, scores: np.ndarray) -> list[dict[str, Any]]:
    precision, recall, _ = precision_recall_curve(labels, scores, drop_intermediate=True)
    # scikit-learn lists recall high to low; a line reads left to right.
    return [
        {"fold": name, "recall": r, "precision": p}
        for r, p in zip(recall[::-1].tolist(), precision[::-1].tolist(), strict=True)
    ]


def write_plot_data(predictions: pl.DataFrame, out_dir: str | os.PathLike, threshold: float = 0.5) -> dict[str, Path]:
    """Write the DVC plot-data files (``PLOT_DATA_FILES``, layout in the module docstring) into ``out_dir``.

    Input: out-of-fold predictions (see ``metrics.normalise_predictions``); a video is predicted fake when
    ``p_fake >= threshold``. Curves keep only their corners (``drop_intermediate``) so files stay small; folds
    with a single class get no curve. Returns {file name: path}. Raises FvcError on an invalid frame.
    """
    frame = normalise_predictions(predictions)
    out = Path(out_dir)
    series = [s for s in _series(frame) if _has_both_classes(s[1])]
    roc = [row for s in series for row in roc_rows(*s)]
    pr = [row for s in series for row in _pr_rows(*s)]
    predicted = (frame["p_fake"] >= threshold).cast(pl.Int64)
    confusion = [
        {"actual": CLASS_NAMES[a], "predicted": CLASS_NAMES[p]}
        for a, p in zip(frame["label"].to_list(), predicted.to_list(), strict=True)
    ]
    fold_rows = []
    for name, labels, scores in _series(frame)[:-1]:
        metrics = binary_metrics(labels, scores, threshold)
        fold_rows.append({"fold": name, **{k: metrics[k] for k in FOLD_METRICS}})
    paths = {
        "roc.json": write_json([r for r in roc if r["fold"] == POOLED], out / "roc.json"),
        "roc_folds.json": write_json(roc, out / "roc_folds.json"),
        "precision_recall.json": write_json([r for r in pr if r["fold"] == POOLED], out / "precision_recall.json"),
        "precision_recall_folds.json": write_json(pr, out / "precision_recall_folds.json"),
        "confusion.json": write_json(confusion, out / "confusion.json"),
    }
    # Rounded and NaN -> None first, so the CSV holds short numbers and an empty cell where a metric is undefined.
    table = pl.DataFrame(to_jsonable(fold_rows), schema={"fold": pl.String, **{k: pl.Float64 for k in FOLD_METRICS}})
    table = table.with_columns(pl.col("n", "n_fake").cast(pl.Int64))
    paths["fold_metrics.csv"] = write_csv(table, out / "fold_metrics.csv")
    pooled = series[-1] if series and series[-1][0] == POOLED else None
    observed, predicted = calibration_curve(pooled[1], pooled[2], n_bins=CALIBRATION_BINS) if pooled else ([], [])
    calibration = pl.DataFrame(
        {"predicted": predicted, "observed": observed}, schema={"predicted": pl.Float64, "observed": pl.Float64}
    )
    paths["calibration.csv"] = write_csv(calibration.with_columns(pl.all().round(6)), out / "calibration.csv")
    return paths


def write_slice_data(predictions: pl.DataFrame, videos: pl.DataFrame, out_dir: str | os.PathLike) -> Path:
    """``slices.csv``: pooled AUC, n and n_fake per aspect ratio (named as ``fvc analytics --by aspect_ratio``
    names it), for the per-slice bars; a slice with one class gets no AUC (an empty cell)."""
    from fvc.analytics.queries import aspect_ratio_label

    frame = normalise_predictions(predictions).join(videos.select("video_id", "width", "height"), on="video_id")
    ratio = [aspect_ratio_label(w, h) for w, h in zip(frame["width"], frame["height"], strict=True)]
    rows = []
    for (name,), part in frame.with_columns(pl.Series("aspect_ratio", ratio)).group_by("aspect_ratio"):
        labels, scores = part["label"].to_numpy(), part["p_fake"].to_numpy()
        auc = binary_metrics(labels, scores)["auc_roc"] if _has_both_classes(labels) else None
        rows.append({"aspect_ratio": name, "auc_roc": auc, "n": part.height, "n_fake": int(labels.sum())})
    schema = {"aspect_ratio": pl.String, "auc_roc": pl.Float64, "n": pl.Int64, "n_fake": pl.Int64}
    table = pl.DataFrame(rows, schema=schema).sort("n", "aspect_ratio", descending=[True, False])
    return write_csv(table.with_columns(pl.col("auc_roc").round(6)), Path(out_dir) / "slices.csv")


def _color(name: str) -> Any:
    if name == POOLED:
        return "black"
    return colormaps["tab10"](int(name.removeprefix("fold_")) % 10)


def _label(name: str) -> str:
    return "pooled" if name == POOLED else name.replace("_", " ")


def _new_figure(width: float, height: float) -> Figure:
    # A bare Figure on an Agg canvas: no pyplot, so no global backend switch and no figure registry to leak.
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, path: Path) -> Path:
    with atomic_path(path) as tmp:
        # No "Software" chunk: the bytes depend on the data, not on the matplotlib version.
        fig.savefig(tmp, format="png", dpi=DPI, metadata={"Software": None})
    return path


def _curve_style(name: str) -> dict[str, Any]:
    if name == POOLED:
        return {"color": "black", "linewidth": 2.2}
    return {"color": _color(name), "linewidth": 1.2, "alpha": 0.8}


def _plot_roc(series: list[tuple[str, np.ndarray, np.ndarray]], path: Path) -> Path:
    fig = _new_figure(6, 5.5)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], linestyle=":", color="grey", linewidth=1, label="chance")
    for name, labels, scores in series:
        if not _has_both_classes(labels):
            continue
        fpr, tpr, _ = roc_curve(labels, scores, drop_intermediate=True)
        auc = binary_metrics(labels, scores)["auc_roc"]
        ax.plot(fpr, tpr, label=f"{_label(name)} (AUC {auc:.3f})", **_curve_style(name))
    ax.set(xlim=(0, 1), ylim=(0, 1.01), xlabel="false positive rate (real called fake)", ylabel="true positive rate")
    ax.set_title("ROC, video level, out-of-fold")
    ax.legend(loc="lower right", fontsize="small")
    return _save(fig, path)


def _plot_precision_recall(series: list[tuple[str, np.ndarray, np.ndarray]], path: Path) -> Path:
    fig = _new_figure(6, 5.5)
    ax = fig.add_subplot()
    pooled_labels = series[-1][1]
    # A detector that calls everything fake has precision = the share of fakes: the floor to beat.
    ax.axhline(pooled_labels.mean(), linestyle=":", color="grey", linewidth=1, label="share of fakes")
    for name, labels, scores in series:
        if not _has_both_classes(labels):
            continue
        precision, recall, _ = precision_recall_curve(labels, scores, drop_intermediate=True)
        ap = binary_metrics(labels, scores)["ap"]
        ax.step(recall, precision, where="post", label=f"{_label(name)} (AP {ap:.3f})", **_curve_style(name))
    ax.set(xlim=(0, 1), ylim=(0, 1.01), xlabel="recall (fakes found)", ylabel="precision")
    ax.set_title("Precision-recall, video level, out-of-fold")
    ax.legend(loc="lower left", fontsize="small")
    return _save(fig, path)


def _plot_confusion(labels: np.ndarray, scores: np.ndarray, threshold: float, path: Path) -> Path:
    matrix = np.asarray(binary_metrics(labels, scores, threshold)["confusion_matrix"])
    row_totals = matrix.sum(axis=1, keepdims=True)
    shares = np.divide(matrix, row_totals, out=np.zeros(matrix.shape), where=row_totals > 0)
    fig = _new_figure(5, 4.5)
    ax = fig.add_subplot()
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for i in range(2):
        for j in range(2):
            # Dark text on light cells and light text on dark ones, so every count stays legible.
            color = "white" if shares[i, j] > 0.5 else "black"
            ax.text(j, i, f"{matrix[i, j]}\n({shares[i, j]:.1%})", ha="center", va="center", color=color)
    ax.set_xticks([0, 1], labels=CLASS_NAMES)
    ax.set_yticks([0, 1], labels=CLASS_NAMES)
    ax.set(xlabel="predicted", ylabel="actual")
    ax.set_title(f"Confusion matrix, pooled (p_fake >= {threshold:g})")
    fig.colorbar(image, ax=ax, label="share of actual class")
    return _save(fig, path)


def _plot_learning_curves(histories: Mapping[int, pl.DataFrame] | None, path: Path) -> Path:
    folds = sorted((histories or {}).items())
    if not folds:
        fig = _new_figure(6, 3)
        fig.text(0.5, 0.5, "no training history", ha="center", va="center")
        return _save(fig, path)
    ncols = min(len(folds), 5)
    blocks = math.ceil(len(folds) / ncols)
    fig = _new_figure(3.4 * ncols, 5.2 * blocks)
    axes = fig.subplots(2 * blocks, ncols, squeeze=False)
    for i, (fold, history) in enumerate(folds):
        loss_ax: Axes = axes[2 * (i // ncols), i % ncols]
        score_ax: Axes = axes[2 * (i // ncols) + 1, i % ncols]
        # Any column may be missing (a baseline has no epochs): plot what exists, say when nothing does.
        epochs = history["epoch"].to_numpy() if "epoch" in history.columns else np.arange(1, history.height + 1)
        for ax, columns, ylabel in (
            (loss_ax, ("train_loss", "val_loss"), "loss"),
            (score_ax, ("val_f1", "val_auc"), "validation score"),
        ):
            present = [c for c in columns if c in history.columns and history[c].null_count() < history.height]
            for column in present:
                ax.plot(epochs, history[column].cast(pl.Float64).to_numpy(), marker=".", label=column)
            if present:
                ax.legend(fontsize="small")
            else:
                ax.text(0.5, 0.5, f"no {' / '.join(columns)}", ha="center", va="center", transform=ax.transAxes)
            ax.set(xlabel="epoch", ylabel=ylabel)
        score_ax.set_ylim(0, 1.02)
        for ax in (loss_ax, score_ax):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        loss_ax.set_title(f"fold {fold}")
    for j in range(len(folds), blocks * ncols):
        axes[2 * (j // ncols), j % ncols].set_visible(False)
        axes[2 * (j // ncols) + 1, j % ncols].set_visible(False)
    fig.suptitle("Learning curves per fold")
    return _save(fig, path)


def _plot_fold_comparison(series: list[tuple[str, np.ndarray, np.ndarray]], threshold: float, path: Path) -> Path:
    folds = series[:-1]
    metrics = [binary_metrics(labels, scores, threshold) for _, labels, scores in folds]
    fig = _new_figure(max(6.0, 1.6 * len(COMPARED_METRICS) + 0.4 * len(folds)), 4.5)
    ax = fig.add_subplot()
    width = 0.8 / len(folds)
    x = np.arange(len(COMPARED_METRICS))
    for k, ((name, _, _), values) in enumerate(zip(folds, metrics, strict=True)):
        # NaN (a single-class fold's AUC) draws no bar instead of a misleading zero.
        heights = [values[m] for m in COMPARED_METRICS]
        ax.bar(x - 0.4 + width * (k + 0.5), heights, width, color=_color(name), label=_label(name))
    for i, metric in enumerate(COMPARED_METRICS):
        finite = [m[metric] for m in metrics if not math.isnan(m[metric])]
        if finite:
            mean = float(np.mean(finite))
            ax.hlines(mean, i - 0.45, i + 0.45, colors="black", linestyles="--", label="mean" if i == 0 else None)
            ax.text(
                i,
                min(mean + 0.02, 1.06),
                f"{mean:.3f}",
                ha="center",
                va="bottom",
                fontsize="small",
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1},
            )
    ax.set_xticks(x, labels=COMPARED_METRICS)
    ax.set(ylim=(0, 1.12), ylabel="score")
    ax.set_title("Metrics per fold (dashed: mean over folds)")
    ax.legend(loc="lower right", fontsize="small", ncols=2)
    return _save(fig, path)


def _plot_calibration(series: list[tuple[str, np.ndarray, np.ndarray]], path: Path) -> Path:
    fig = _new_figure(6, 7)
    curve_ax, hist_ax = fig.subplots(2, 1, height_ratios=[3, 1], sharex=True)
    curve_ax.plot([0, 1], [0, 1], linestyle=":", color="grey", linewidth=1, label="perfectly calibrated")
    for name, labels, scores in series:
        observed, predicted = calibration_curve(
            labels, scores, pos_label=1, n_bins=CALIBRATION_BINS, strategy="uniform"
        )
        curve_ax.plot(predicted, observed, marker="o", markersize=3, label=_label(name), **_curve_style(name))
    curve_ax.set(xlim=(0, 1), ylim=(0, 1.01), ylabel="observed share of fakes")
    curve_ax.set_title(f"Reliability diagram ({CALIBRATION_BINS} equal-width bins)")
    curve_ax.legend(loc="upper left", fontsize="small")
    pooled_labels, pooled_scores = series[-1][1], series[-1][2]
    bins = np.linspace(0, 1, CALIBRATION_BINS + 1)
    for code, name in enumerate(CLASS_NAMES):
        hist_ax.hist(pooled_scores[pooled_labels == code], bins=bins, alpha=0.6, label=name)
    hist_ax.set(xlabel="p_fake (pooled)", ylabel="videos")
    hist_ax.legend(fontsize="small")
    return _save(fig, path)


def write_png_plots(
    predictions: pl.DataFrame,
    histories: Mapping[int, pl.DataFrame] | None,
    out_dir: str | os.PathLike,
    threshold: float = 0.5,
) -> dict[str, Path]:
    """Render the six figures of ``PNG_FILES`` into ``out_dir`` with matplotlib's Agg renderer.

    Inputs: out-of-fold predictions (see ``metrics.normalise_predictions``); ``histories`` maps fold -> a frame
    with any of ``epoch, train_loss, val_loss, val_f1, val_auc`` (missing columns and folds are left out; None or
    empty gives a placeholder learning-curve figure). Returns {file name: path}. Raises FvcError on an invalid frame.
    """
    frame = normalise_predictions(predictions)
    out = Path(out_dir)
    series = _series(frame)
    pooled_labels, pooled_scores = series[-1][1], series[-1][2]
    return {
        "roc_curve.png": _plot_roc(series, out / "roc_curve.png"),
        "precision_recall_curve.png": _plot_precision_recall(series, out / "precision_recall_curve.png"),
        "confusion_matrix.png": _plot_confusion(pooled_labels, pooled_scores, threshold, out / "confusion_matrix.png"),
        "learning_curves.png": _plot_learning_curves(histories, out / "learning_curves.png"),
        "cv_fold_comparison.png": _plot_fold_comparison(series, threshold, out / "cv_fold_comparison.png"),
        "calibration.png": _plot_calibration(series, out / "calibration.png"),
    }
