"""Augment: plan ``augment.copies`` reproducible augmented copies of every video (fvc.augment recipes).

A copy is a recipe, not pixels: scale and features materialise it from the parent's frames, at the resolution
each needs. That keeps a copy exactly as sharp as its parent (no second encode), costs no disk, and lets every
temporal op (reverse included) work while decoding stays streaming.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from fvc.augment import check_pool, draw_recipe
from fvc.errors import FvcError
from fvc.schema import AUGMENTED


@dataclass(frozen=True)
class AugmentParams:
    copies: int  # augmented copies per video (0: none)
    spatial_ops: int  # spatial ops per copy
    temporal_prob: float  # probability that a copy also gets one temporal op
    ops: tuple[str, ...]  # the pool the ops are drawn from (fvc.augment.SPATIAL_OPS and TEMPORAL_OPS names)

    def __post_init__(self) -> None:
        if self.copies < 0:
            raise FvcError(f"params.yaml: augment.copies = {self.copies}, expected >= 0")
        check_pool(self.ops)  # an unknown name fails here, even with copies = 0


def copy_id(parent_id: str, copy: int) -> str:
    """The video_id of copy ``copy`` of ``parent_id``."""
    return f"{parent_id}~aug{copy}"


def plan_copies(folds: pl.DataFrame, *, params: AugmentParams, seed: int) -> pl.DataFrame:
    """One row (schema AUGMENTED) per copy of every video of ``folds`` (video_id, group, label, fold).

    Every video gets copies, because every video trains in some fold; the train stage uses a copy only in
    folds whose training part holds its parent. A copy's recipe depends only on (seed, parent id, copy index).
    """
    rows = []
    for video in folds.sort("video_id").iter_rows(named=True):
        for c in range(params.copies):
            recipe = draw_recipe(
                seed,
                video["video_id"],
                c,
                spatial_ops=params.spatial_ops,
                temporal_prob=params.temporal_prob,
                ops=params.ops,
            )
            rows.append(
                {
                    "video_id": copy_id(video["video_id"], c),
                    "parent_id": video["video_id"],
                    "copy": c,
                    "group": video["group"],
                    "label": video["label"],
                    "fold": video["fold"],
                    "ops": recipe.to_json(),
                }
            )
    return pl.DataFrame(rows, schema=AUGMENTED)
