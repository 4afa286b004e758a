"""Determinism: the same seed on CPU reproduces results/metrics.json byte for byte; another seed changes it."""

from __future__ import annotations

import shutil

import pytest

from tests.pipeline.conftest import set_params

pytestmark = pytest.mark.slow

TINY = {
    "cv.folds": [0, 1],
    "train.epochs": 3,
    "train.warmup_epochs": 1,
    "train.val_fraction": 0.45,
    "scale.frames": 4,
    "scale.max_dim": 64,
    "models.variable_ar_cnn.stem_width": 8,
    "models.variable_ar_cnn.widths": [16, 16, 16],
}


def test_same_seed_same_metrics_other_seed_other_metrics(repo_copy) -> None:
    root = repo_copy.root
    set_params(root, **TINY)
    repo_copy(["dvc", "repro"])
    first = (root / "results/metrics.json").read_bytes()

    for cache in ("data/scaled/shards", "data/features/shards"):  # the stages' own caches too
        shutil.rmtree(root / cache)
    repo_copy(["dvc", "repro", "--force"])  # every stage again
    assert (root / "results/metrics.json").read_bytes() == first

    set_params(root, seed=43)
    repo_copy(["dvc", "repro"])
    assert (root / "results/metrics.json").read_bytes() != first
