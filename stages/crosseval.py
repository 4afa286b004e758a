"""Stage crosseval: models/fold_* + a corpus never trained on (crosseval.root) -> results/crosseval/.

The fold ensemble scores every video of the corpus (fvc.evaluate.crosseval): metrics.json (top-level `metrics:`
in dvc.yaml, so `dvc metrics show` lists it beside results/metrics.json), predictions.parquet, rejects.parquet
(videos ingest or decoding refused) and plot_data/roc.json (drawn on one chart with the CV's pooled ROC).
"""

import time

import polars as pl

from fvc.atomic import write_parquet
from fvc.corpus.ingest import ingest
from fvc.errors import run_main
from fvc.evaluate.crosseval import cross_report, score_index
from fvc.evaluate.metrics import write_json
from fvc.evaluate.plots import roc_rows
from fvc.models.registry import model_kind
from fvc.params import load_params, require, resolve_workers
from fvc.predict import load_ensemble
from fvc.schema import CROSS_PREDICTIONS, REJECTS

OUT = "results/crosseval"


def main() -> None:
    params = load_params()
    started = time.perf_counter()
    root = require(params, "crosseval.root", str)
    layout = require(params, "crosseval.layout", str)
    model = require(params, "train.model", str)
    report = {"model": model, "corpus": {"root": root, "layout": layout}}
    if model_kind(model) != "clip":
        reason = f"train.model = {model} is a feature baseline: it keeps no fitted model to score new videos with"
        write_json({**report, "scored": False, "reason": reason}, f"{OUT}/metrics.json")
        write_parquet(pl.DataFrame(schema=CROSS_PREDICTIONS), f"{OUT}/predictions.parquet")
        write_parquet(pl.DataFrame(schema=REJECTS), f"{OUT}/rejects.parquet")
        write_json([], f"{OUT}/plot_data/roc.json")
        print(f"crosseval: not scored; {reason}")
        return

    workers = resolve_workers(require(params, "workers", int))
    corpus = ingest(
        root,
        layout=layout,
        options=require(params, "crosseval.options", dict),
        max_pixels=require(params, "ingest.max_pixels", int),
        workers=workers,
    )
    ensemble = load_ensemble("models")
    predictions, undecoded = score_index(corpus.videos, root, ensemble, workers=workers)
    rejects = pl.concat([corpus.rejects, undecoded]).sort("video_id")
    report["corpus"] |= {"videos": predictions.height, "rejected": rejects.height}
    report |= cross_report(predictions, ensemble.threshold)
    write_json(report, f"{OUT}/metrics.json")
    write_parquet(predictions, f"{OUT}/predictions.parquet")
    write_parquet(rejects, f"{OUT}/rejects.parquet")
    labels, scores = predictions["label"].replace_strict({"real": 0, "fake": 1}), predictions["p_fake"]
    both = labels.n_unique() == 2  # a ROC curve needs both classes
    roc = roc_rows("crosseval", labels.to_numpy(), scores.to_numpy()) if both else []
    write_json(roc, f"{OUT}/plot_data/roc.json")
    ensemble_auc, models = report["ensemble"]["auc_roc"], report["fold_models"]
    methods = ", ".join(f"{m} {v['auc_roc']:.3f}" for m, v in report["methods"].items())
    print(
        f"crosseval: {predictions.height} videos of {root} ({layout}), {rejects.height} rejected,"
        f" {len(ensemble.networks)} fold models: ensemble AUC {ensemble_auc:.3f};"
        f" one fold model {models['mean']['auc_roc']:.3f} ± {models['std']['auc_roc']:.3f}; by method: {methods}"
        f" ({time.perf_counter() - started:.0f} s) -> {OUT}/"
    )


if __name__ == "__main__":
    run_main(main)
