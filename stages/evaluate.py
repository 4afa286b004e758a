"""Stage evaluate: results/train/fold_* + results/audit.json -> results/metrics.json, predictions, plots.

Per-fold metrics, their mean and std over folds and the pooled out-of-fold metrics go to results/metrics.json
(top-level `metrics:` in dvc.yaml); DVC plot data to results/plot_data/, PNG figures to results/plots/.
"""

import json

import polars as pl

from fvc.atomic import write_csv, write_parquet
from fvc.errors import run_main
from fvc.evaluate.collect import collect_predictions, learning_curves, read_history
from fvc.evaluate.metrics import build_metrics_report, method_metrics, write_json
from fvc.evaluate.plots import write_plot_data, write_png_plots, write_slice_data
from fvc.params import load_params, require


def main() -> None:
    params = load_params()
    threshold = require(params, "train.threshold", float)
    folds = pl.read_parquet("data/split/folds.parquet")
    predictions = collect_predictions("results/train", folds)
    report = build_metrics_report(predictions, threshold=threshold)
    report["model"] = require(params, "train.model", str)
    videos = pl.read_parquet("data/index/videos.parquet")
    # Per manipulation method, with the fold spread: under train.fake_methods, the left-out method's line is the
    # leave-one-method-out (cross-manipulation) AUC.
    report["methods"] = method_metrics(predictions, videos)
    audit = json.loads(open("results/audit.json", encoding="utf-8").read())
    report["audit"] = {
        "metadata_auc": audit["metadata_auc"],
        "features_auc": audit["features"]["auc_roc"],
        "shortcut_warning": int(audit["warning"]),
    }
    # Per-fold detail in its own file: `dvc exp show` lists results/metrics.json's headline numbers only.
    write_json(report.pop("folds"), "results/fold_metrics.json")
    write_json(report, "results/metrics.json")
    write_parquet(predictions, "results/predictions.parquet")
    write_plot_data(predictions, "results/plot_data", threshold=threshold)
    write_slice_data(predictions, videos, "results/plot_data")
    histories = {k: read_history(f"results/train/fold_{k}") for k in sorted(folds["fold"].unique())}
    write_csv(learning_curves(histories), "results/plot_data/learning_curves.csv")
    write_png_plots(predictions, histories, "results/plots", threshold=threshold)
    mean, std = report["mean"], report["std"]
    print(
        f"evaluate: {predictions.height} videos, {len(histories)} folds:"
        f" AUC {mean['auc_roc']:.3f} ± {std['auc_roc']:.3f}, AP {mean['ap']:.3f},"
        f" F1 {mean['f1']:.3f} ± {std['f1']:.3f}, EER {mean['eer']:.3f}"
        " -> results/metrics.json, results/plots/"
    )
    by_method = ", ".join(f"{m} {r['auc_mean']:.3f} ± {r['auc_std']:.3f}" for m, r in report["methods"].items())
    print(f"evaluate: AUC of each method's fakes against the reals: {by_method}")
    shortcut = "WARNING: metadata alone separates the classes; " if audit["warning"] else ""
    print(
        f"evaluate: {shortcut}audit (same folds): metadata alone AUC {audit['metadata_auc']:.3f},"
        f" handcrafted features AUC {audit['features']['auc_roc']:.3f}, this model {mean['auc_roc']:.3f}"
    )


if __name__ == "__main__":
    run_main(main)
