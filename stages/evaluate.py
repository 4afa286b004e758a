"""Stage evaluate: results/train/fold_* -> results/metrics.json, results/predictions.parquet, plots.

Per-fold metrics, their mean and std over folds and the pooled out-of-fold metrics go to results/metrics.json
(top-level `metrics:` in dvc.yaml); DVC plot data to results/plot_data/, PNG figures to results/plots/.
"""

import polars as pl

from fvc.atomic import write_csv, write_parquet
from fvc.errors import run_main
from fvc.evaluate.collect import collect_predictions, learning_curves, read_history
from fvc.evaluate.metrics import build_metrics_report, write_json
from fvc.evaluate.plots import write_plot_data, write_png_plots
from fvc.params import load_params, require


def main() -> None:
    params = load_params()
    threshold = require(params, "train.threshold", float)
    folds = pl.read_parquet("data/split/folds.parquet")
    predictions = collect_predictions("results/train", folds)
    report = build_metrics_report(predictions, threshold=threshold)
    report["model"] = require(params, "train.model", str)
    write_json(report, "results/metrics.json")
    write_parquet(predictions, "results/predictions.parquet")
    write_plot_data(predictions, "results/plot_data", threshold=threshold)
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


if __name__ == "__main__":
    run_main(main)
