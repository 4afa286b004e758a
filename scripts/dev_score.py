"""The numbers a design decision may look at: validation AUC and a development corpus, never the test folds.

After a training run (`dvc repro` or `dvc exp run`), prints one JSON object:
- ``val_auc``: each fold's validation AUC at its best epoch (the epoch early stopping kept), their mean and std.
  Validation is the group-held-out part of each fold's training data, so it says how well the run fits its own
  corpus without touching the test fold.
- ``dev``: the fold ensemble scored on a development corpus that no stage reads, e.g.
  `fvc synth --identities held-out --seed 1 --out ../fvc-dev` (outside the repo). Another seed gives other
  scenes, cameras, codecs and masks than data/cross, the cross-corpus test. Ensemble AUC, each fold model's
  mean ± std, and AUC per method.

    python scripts/dev_score.py --dev ../fvc-dev [--models models] [--results results/train] [--label NAME]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from fvc.corpus.ingest import ingest
from fvc.evaluate.crosseval import cross_report, score_index
from fvc.predict import load_ensemble


def val_auc(results: Path) -> dict:
    """Each fold's validation AUC at its best epoch (from the fold run's dvclive logs and status.json)."""
    folds = {}
    for status in sorted(results.glob("fold_*/status.json")):
        best = json.loads(status.read_text())["best_epoch"]
        rows = (status.parent / "plots" / "metrics" / "val_auc.tsv").read_text().split("\n")[1:]
        by_step = {int(r.split("\t")[0]): float(r.split("\t")[1]) for r in rows if r.strip()}
        folds[status.parent.name] = by_step[best]
    values = np.array(list(folds.values()))
    return {"folds": folds, "mean": float(values.mean()), "std": float(values.std())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dev", required=True, help="the development corpus (manifest layout)")
    parser.add_argument("--models", default="models")
    parser.add_argument("--results", default="results/train")
    parser.add_argument("--label", default="", help="a name for this run in the output")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    corpus = ingest(args.dev, layout="manifest", options={}, max_pixels=8847360, workers=args.workers)
    ensemble = load_ensemble(args.models)
    predictions, _ = score_index(corpus.videos, args.dev, ensemble, workers=args.workers)
    report = cross_report(predictions, ensemble.threshold)
    out = {
        "label": args.label,
        "val_auc": val_auc(Path(args.results)),
        "dev": {
            "videos": predictions.height,
            "ensemble_auc": report["ensemble"]["auc_roc"],
            "fold_models_auc": [report["fold_models"]["mean"]["auc_roc"], report["fold_models"]["std"]["auc_roc"]],
            "methods_auc": {m: r["auc_roc"] for m, r in report["methods"].items()},
        },
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
