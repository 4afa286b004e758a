"""The train section the training tests start from: small, fast, fp32, deterministic."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

TRAIN = dict(
    model="variable_ar_cnn",
    epochs=5,
    batch_size=2,
    effective_batch_size=4,
    lr=5e-3,
    betas=(0.9, 0.999),
    weight_decay=1e-4,
    warmup_epochs=1,
    warmup_factor=0.1,
    grad_clip=1.0,
    patience=5,
    dropout=0.5,
    amp="off",
    val_fraction=0.25,
    class_weighting=True,
    threshold=0.5,
)


def train_section(**overrides: object) -> dict:
    """``TRAIN`` with ``overrides``: keyword arguments of fvc.train.TrainParams."""
    return {**TRAIN, **overrides}


def write_patch_clips(root: Path, groups: int) -> Path:
    """``2 * groups`` random 4x32x32 clips under ``root/clips``, a real and a fake (a brighter patch) per group, with
    ``clips.parquet`` and ``folds.parquet`` (2 folds: even and odd groups). Returns ``root``."""
    (root / "clips").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    rows, folds = [], []
    for g in range(groups):
        for label in ("real", "fake"):
            vid = f"g{g:02d}_{label}"
            clip = rng.integers(0, 200, size=(4, 32, 32, 3), dtype=np.uint8)
            if label == "fake":
                clip[:, 8:16, 8:16] += 50
            np.save(root / "clips" / f"{vid}.npy", clip)
            rows.append(dict(video_id=vid, file=f"{vid}.npy", frames=4, snippet=4, height=32, width=32))
            folds.append(dict(video_id=vid, group=f"g{g:02d}", label=label, fold=g % 2))
    pl.DataFrame(rows).write_parquet(root / "clips.parquet")
    pl.DataFrame(folds).write_parquet(root / "folds.parquet")
    return root
