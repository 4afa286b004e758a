"""Synthetic out-of-fold predictions shared by the evaluate tests."""

from __future__ import annotations

import numpy as np
import polars as pl


def predictions_frame(folds: int = 3, per_fold: int = 8, seed: int = 0) -> pl.DataFrame:
    """Out-of-fold predictions with both classes in every fold and informative but imperfect scores."""
    rng = np.random.default_rng(seed)
    labels = np.tile([0, 1], folds * per_fold // 2)
    scores = np.clip(0.3 + 0.4 * labels + rng.normal(0, 0.2, labels.size), 0, 1)
    return pl.DataFrame(
        {
            "video_id": [f"v{i:03d}" for i in range(labels.size)],
            "fold": np.repeat(np.arange(folds), per_fold),
            "label": np.where(labels == 1, "fake", "real"),
            "p_fake": scores,
        }
    )
