"""Stage train@k: data/scaled (or data/features) + data/split/folds.parquet -> models/fold_k/, results/train/fold_k/.

`train.model` picks the fold strategy: a clip model (the Variable-AR CNN, the 3D ResNets) trains epoch by epoch on
the scaled clips; a feature baseline (logreg, svm_rbf, hist_gbm) is fitted on the handcrafted features. The fold
runner (fvc.train.runner) gives both the same outputs. Both folders are DVC `persist` outputs: a run killed
mid-training resumes from models/fold_k/last.pt when `dvc repro` runs it again.
"""

import argparse
import sys

import polars as pl
import torch

from fvc.errors import run_main
from fvc.models import model_kind
from fvc.params import load_params, require
from fvc.train import ClipModelTraining, FeatureBaseline, TrainParams, distributed, run_fold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fold", type=int, required=True)
    fold = parser.parse_args().fold
    params = load_params()
    train = TrainParams.from_params(params)
    clip_model = model_kind(train.model) != "features"
    if clip_model and train.nproc_per_node > 1 and not distributed.under_torchrun():
        # train.nproc_per_node: this fold as that many torchrun processes (DDP), each running this script.
        sys.exit(distributed.launch(train.nproc_per_node, [__file__, "--fold", str(fold)]))
    device = distributed.init() if distributed.under_torchrun() else None
    try:
        train_fold(fold, params, train, device)
    finally:
        distributed.finish()


def train_fold(fold: int, params: dict, train: TrainParams, device: torch.device | None) -> None:
    live_dir, model_dir = f"results/train/fold_{fold}", f"models/fold_{fold}"
    if model_kind(train.model) == "features":
        strategy, table = FeatureBaseline(), pl.read_parquet("data/features/features.parquet")
    else:
        strategy, table = ClipModelTraining("data/scaled", device=device), pl.read_parquet("data/scaled/clips.parquet")
    result = run_fold(
        fold,
        strategy,
        table=table,
        folds=pl.read_parquet("data/split/folds.parquet"),
        params=train,
        model_options=dict((params.get("models") or {}).get(train.model) or {}),
        seed=require(params, "seed", int),
        live_dir=live_dir,
        model_dir=model_dir,
        extra_record={"scale": require(params, "scale", dict)},  # how to prepare a video for `fvc predict`
        fakes=require(params, "augment.fakes", str),  # real fakes beside pseudo-fakes, or pseudo-fakes only
        methods=pl.read_parquet("data/index/videos.parquet", columns=["video_id", "method"]),
    )
    if not distributed.world().is_main:
        return
    print(
        f"train@{fold}: {train.model} best epoch {result.best_epoch} of {result.epochs_run}, test AUC"
        f" {result.test_auc:.3f} ({result.n_train} train / {result.n_val} val / {result.n_test} test clips)"
        f" in {result.seconds:.0f} s -> {model_dir}/, {live_dir}/"
    )


if __name__ == "__main__":
    run_main(main)
