"""Stage train@k: data/scaled (or data/features) + data/split/folds.parquet -> models/fold_k/, results/train/fold_k/.

`train.model` picks the fold loop: a clip model (the Variable-AR CNN, the 3D ResNets) trains epoch by epoch on
the scaled clips; a feature baseline (logreg, svm_rbf, hist_gbm) is fitted on the handcrafted features. Both log
with dvclive and write the test fold's predictions.

Both output folders are DVC `persist` outputs: a run killed mid-training resumes from models/fold_k/last.pt
when `dvc repro` runs it again (train_fold clears them when the params or data differ).
A fold index at or beyond cv.n_splits (dvc.yaml lists folds 0-4; `-S cv.n_splits=3` leaves 3 and 4 without
videos) trains nothing and records why in results/train/fold_k/status.json, so experiments with fewer folds run.
"""

import argparse
import json
import shutil
from pathlib import Path

import polars as pl

from fvc.atomic import write_text
from fvc.errors import run_main
from fvc.models import model_kind
from fvc.params import load_params, require
from fvc.train.baseline import fit_fold_features
from fvc.train.loop import TrainParams, train_fold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fold", type=int, required=True)
    fold = parser.parse_args().fold
    params = load_params()
    live_dir, model_dir = Path(f"results/train/fold_{fold}"), Path(f"models/fold_{fold}")
    folds = pl.read_parquet("data/split/folds.parquet")
    n_splits = require(params, "cv.n_splits", int)
    if fold >= n_splits:
        for stale in (live_dir, model_dir):
            shutil.rmtree(stale, ignore_errors=True)
            stale.mkdir(parents=True)
        status = {"fold": fold, "trained": False, "reason": f"cv.n_splits = {n_splits}: fold {fold} has no videos"}
        write_text(json.dumps(status, indent=2) + "\n", live_dir / "status.json")
        write_text(json.dumps(status, indent=2) + "\n", model_dir / "status.json")
        print(f"train@{fold}: skipped ({status['reason']})")
        return
    train = TrainParams.from_params(require(params, "train", dict))
    model = train.model
    common = dict(
        params=train,
        model_options=dict((params.get("models") or {}).get(model) or {}),
        seed=require(params, "seed", int),
        folds=folds,
        live_dir=live_dir,
        model_dir=model_dir,
    )
    if model_kind(model) == "features":
        result = fit_fold_features(fold, features=pl.read_parquet("data/features/features.parquet"), **common)
    else:
        result = train_fold(fold, clips=pl.read_parquet("data/scaled/clips.parquet"), clip_dir="data/scaled", **common)
    status = {"fold": fold, "trained": True, "best_epoch": result.best_epoch, "epochs_run": result.epochs_run}
    write_text(json.dumps(status, indent=2) + "\n", live_dir / "status.json")
    print(
        f"train@{fold}: {model} best epoch {result.best_epoch} of {result.epochs_run}, test AUC {result.test_auc:.3f}"
        f" ({result.n_train} train / {result.n_val} val / {result.n_test} test clips) in {result.seconds:.0f} s"
        f" -> {model_dir}/, {live_dir}/"
    )


if __name__ == "__main__":
    run_main(main)
