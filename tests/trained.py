"""The fold ensemble of a tiny pipeline, trained once per session, for the tests of fvc predict, fvc export and
the crosseval stage's scoring."""

from __future__ import annotations

from dataclasses import asdict

import pytest
import torch

from fvc.clips import ScaleParams, scale_corpus
from fvc.corpus.ingest import ingest
from fvc.folds import stratified_group_folds
from fvc.synth import generate_corpus
from fvc.train import ClipModelTraining, TrainParams, run_fold
from tests.train.helpers import train_section

SCALE = ScaleParams(frames=4, snippet=4, max_dim=64, multiple_of=32, interpolation="area", letterbox=False)
MODEL = {"stem_width": 4, "widths": [8, 8, 8]}


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Fold 0 and 1 of a tiny pipeline, trained in this process, with the scale params in their checkpoints.

    {"work": folder with raw/ (the tiny corpus), models/fold_k/best.pt and live_k/predictions.parquet (fold k's
    test videos as training scored them), "paths": {video_id: file}, "videos": the ingested index}."""
    work = tmp_path_factory.mktemp("trained")
    generate_corpus(work / "raw", size="tiny", seed=0, workers=1, progress=False)
    videos = ingest(work / "raw", max_pixels=10**7, workers=1).videos
    folds = stratified_group_folds(videos, n_splits=2, group_column="group", seed=42)
    clips, _, _ = scale_corpus(videos, params=SCALE, root=work / "raw", out_dir=work / "clips", workers=1)
    params = TrainParams(**train_section(epochs=1, warmup_epochs=0, val_fraction=0.45))
    for fold in (0, 1):
        run_fold(
            fold,
            ClipModelTraining(work / "clips", device=torch.device("cpu")),
            table=clips,
            folds=folds,
            params=params,
            model_options=MODEL,
            seed=42,
            live_dir=work / f"live_{fold}",
            model_dir=work / "models" / f"fold_{fold}",
            extra_record={"scale": asdict(SCALE)},
        )
    paths = {r["video_id"]: work / "raw" / r["path"] for r in videos.iter_rows(named=True)}
    return {"work": work, "paths": paths, "videos": videos}
