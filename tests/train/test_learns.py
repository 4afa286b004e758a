"""The Variable-AR CNN learns: on an easy embedded corpus (manipulation strength 1.0) it scores held-out groups
clearly above chance. Sized for the suite (about 2 CPU minutes): 96 clips, 2 folds, 4 frames, narrow stages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import roc_auc_score

from fvc.clips import ScaleParams, scale_corpus
from fvc.corpus.ingest import ingest
from fvc.folds import stratified_group_folds
from fvc.synth import generate_corpus
from fvc.train import ClipModelTraining, TrainParams, run_fold
from tests.train.helpers import train_section

pytestmark = pytest.mark.slow

TRAIN = TrainParams(
    **train_section(
        epochs=6,
        batch_size=2,
        effective_batch_size=2,  # more optimiser steps per epoch on a small training part
        lr=1e-3,
        patience=6,
    )
)
MODEL = {"stem_width": 16, "widths": [32, 64, 96]}


def test_the_cnn_beats_chance_clearly_on_held_out_groups_of_an_easy_corpus(tmp_path: Path) -> None:
    generate_corpus(tmp_path / "raw", seed=1, size="small", strength=1.0, workers=2, progress=False)
    videos = ingest(tmp_path / "raw", max_pixels=10**8, workers=2).videos
    folds = stratified_group_folds(videos, n_splits=2, group_column="group", seed=42)
    scale = ScaleParams(frames=4, snippet=4, max_dim=256, multiple_of=32, interpolation="area", letterbox=False)
    clips, _, _ = scale_corpus(videos, params=scale, root=tmp_path / "raw", out_dir=tmp_path / "clips", workers=2)

    predictions = []
    for fold in (0, 1):
        live_dir = tmp_path / f"live_{fold}"
        run_fold(
            fold,
            ClipModelTraining(tmp_path / "clips"),
            table=clips,
            folds=folds,
            params=TRAIN,
            model_options=MODEL,
            seed=42,
            live_dir=live_dir,
            model_dir=tmp_path / f"model_{fold}",
        )
        predictions.append(pl.read_parquet(live_dir / "predictions.parquet"))
    scored = pl.concat(predictions)
    assert scored.height == videos.height  # every video scored once, by the fold that never trained on its group
    fake = (scored["label"] == "fake").to_numpy()
    pooled = roc_auc_score(fake, scored["p_fake"].to_numpy())
    per_fold = [roc_auc_score(p["label"] == "fake", p["p_fake"]) for p in predictions]
    # Measured on the development machine: pooled 0.83 (folds 0.75, 0.94); chance is 0.5.
    assert pooled >= 0.7, (pooled, per_fold)
    assert min(per_fold) >= 0.6, per_fold
    assert np.isfinite(scored["p_fake"].to_numpy()).all()
