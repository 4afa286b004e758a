"""Augment: plan ``augment.copies`` reproducible augmented copies of every video (fvc.augment recipes), and
``augment.pseudo_fakes`` self-blended pseudo-fake copies of every real video (``selfblend``, labelled fake).

A copy is a recipe, not pixels: scale and features materialise it from the parent's frames, at the resolution
each needs. That keeps a copy exactly as sharp as its parent (no second encode), costs no disk, and lets every
temporal op (reverse included) work while decoding stays streaming.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from fvc.augment import check_pool, draw_pseudo_recipe, draw_recipe
from fvc.errors import FvcError
from fvc.schema import AUGMENTED


@dataclass(frozen=True)
class AugmentParams:
    copies: int  # augmented copies per video (0: none)
    spatial_ops: int  # spatial ops per copy
    temporal_prob: float  # probability that a copy also gets one temporal op
    ops: tuple[str, ...]  # the pool the ops are drawn from (fvc.augment.SPATIAL_OPS and TEMPORAL_OPS names)
    pseudo_fakes: int = 0  # self-blended pseudo-fake copies per real video (0: none)
    pseudo_spatial_ops: int = 0  # spatial ops from `ops` added after selfblend in each pseudo-fake
    fakes: str = "real+pseudo"  # what trains as fake: real+pseudo, or pseudo (SBI: the real fakes are dropped)

    def __post_init__(self) -> None:
        if self.copies < 0:
            raise FvcError(f"params.yaml: augment.copies = {self.copies}, expected >= 0")
        check_pool(self.ops)  # an unknown name fails here, even with copies = 0
        if self.pseudo_fakes < 0:
            raise FvcError(f"params.yaml: augment.pseudo_fakes = {self.pseudo_fakes}, expected >= 0")
        check_fakes(self.fakes, self.pseudo_fakes)


FAKES = ("real+pseudo", "pseudo")
PSEUDO_ID = re.compile(r"~sbi\d+$")  # the suffix of a pseudo-fake's video_id (pseudo_fake_id)


def check_fakes(fakes: str, pseudo_fakes: int) -> None:
    """FvcError naming ``augment.fakes`` if it is not one of FAKES, or is ``pseudo`` without pseudo-fakes."""
    if fakes not in FAKES:
        raise FvcError(f"params.yaml: augment.fakes = {fakes!r}, expected one of {', '.join(FAKES)}")
    if fakes == "pseudo" and pseudo_fakes < 1:
        raise FvcError("params.yaml: augment.fakes = pseudo trains on pseudo-fakes only; set augment.pseudo_fakes >= 1")


def copy_id(parent_id: str, copy: int) -> str:
    """The video_id of copy ``copy`` of ``parent_id``."""
    return f"{parent_id}~aug{copy}"


def pseudo_fake_id(parent_id: str, copy: int) -> str:
    """The video_id of pseudo-fake ``copy`` of the real video ``parent_id``."""
    return f"{parent_id}~sbi{copy}"


def is_pseudo_fake(video_id: str) -> bool:
    """Whether ``video_id`` names a pseudo-fake copy (``pseudo_fake_id``): the train stage labels those fake."""
    return PSEUDO_ID.search(video_id) is not None


def plan_copies(folds: pl.DataFrame, *, params: AugmentParams, seed: int) -> pl.DataFrame:
    """One row (schema AUGMENTED) per copy of every video of ``folds`` (video_id, group, label, fold).

    Every video gets copies, because every video trains in some fold; the train stage uses a copy only in
    folds whose training part holds its parent. A copy's recipe depends only on (seed, parent id, copy index).
    Every *real* video also gets ``pseudo_fakes`` pseudo-fakes (``pseudo_fake_id``): label fake, the parent's
    group and fold, a ``selfblend`` recipe (``draw_pseudo_recipe``).
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
        for c in range(params.pseudo_fakes if video["label"] == "real" else 0):
            recipe = draw_pseudo_recipe(
                seed, video["video_id"], c, spatial_ops=params.pseudo_spatial_ops, ops=params.ops
            )
            rows.append(
                {
                    "video_id": pseudo_fake_id(video["video_id"], c),
                    "parent_id": video["video_id"],
                    "copy": c,
                    "group": video["group"],
                    "label": "fake",
                    "fold": video["fold"],
                    "ops": recipe.to_json(),
                }
            )
    return pl.DataFrame(rows, schema=AUGMENTED)
