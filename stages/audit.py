"""Stage audit: the index, the folds and the handcrafted features -> results/audit.json.

Under the pipeline's own folds, how well metadata alone (sizes, rates, codec, the encoder's rate setting) and the
handcrafted features separate real from fake (fvc.evaluate.audit). evaluate copies the headline numbers into
results/metrics.json and warns when metadata scores above audit.max_metadata_auc.
"""

import polars as pl

from fvc.errors import run_main
from fvc.evaluate.audit import audit
from fvc.evaluate.metrics import write_json
from fvc.params import load_params, require


def main() -> None:
    params = load_params()
    report = audit(
        pl.read_parquet("data/index/videos.parquet"),
        pl.read_parquet("data/split/folds.parquet"),
        pl.read_parquet("data/features/features.parquet"),
        root="data/raw",
        seed=require(params, "seed", int),
        logreg_options=require(params, "models.logreg", dict),
        max_metadata_auc=require(params, "audit.max_metadata_auc", float),
    )
    write_json(report, "results/audit.json")
    verdict = (
        f"WARNING: above audit.max_metadata_auc {report['max_metadata_auc']}: the corpus can be told apart without"
        " its pixels"
        if report["warning"]
        else f"at most {report['max_metadata_auc']}: no metadata shortcut found"
    )
    print(
        f"audit: {report['n']} videos; metadata alone AUC {report['metadata_auc']:.3f} ({verdict});"
        f" handcrafted features AUC {report['features']['auc_roc']:.3f} -> results/audit.json"
    )


if __name__ == "__main__":
    run_main(main)
