"""Planning pseudo-fakes: self-blended copies of each real video, labelled fake, in their parent's group and fold."""

from __future__ import annotations

import polars as pl
import pytest

from fvc.augment import SPATIAL_OPS, Recipe, draw_pseudo_recipe, needs_face
from fvc.augment.plan import AugmentParams, is_pseudo_fake, plan_copies, pseudo_fake_id
from fvc.errors import FvcError
from fvc.schema import AUGMENTED, FOLDS

POOL = ("hflip", "brightness", "contrast", "saturation", "cutout", "reverse", "frame_drop", "frame_duplicate")
PARAMS = AugmentParams(copies=1, spatial_ops=2, temporal_prob=0.5, ops=POOL, pseudo_fakes=2)


def _folds() -> pl.DataFrame:
    """Two groups, each a real and its fake; fold = group index."""
    rows = [
        {"video_id": f"g{g}_{label}", "group": f"g{g}", "label": label, "fold": g}
        for g in range(2)
        for label in ("real", "fake")
    ]
    return pl.DataFrame(rows, schema=FOLDS)


def test_each_real_gets_pseudo_fakes_labelled_fake_in_its_group_and_fold() -> None:
    folds = _folds()
    table = plan_copies(folds, params=PARAMS, seed=0)
    assert table.schema == pl.Schema(AUGMENTED)
    pseudo = table.filter(pl.col("video_id").str.contains("~sbi"))
    assert pseudo["video_id"].to_list() == ["g0_real~sbi0", "g0_real~sbi1", "g1_real~sbi0", "g1_real~sbi1"]
    assert set(pseudo["label"]) == {"fake"} and pseudo["copy"].to_list() == [0, 1, 0, 1]
    parents = pseudo.join(folds, left_on="parent_id", right_on="video_id", suffix="_parent")
    assert parents["label_parent"].to_list() == ["real"] * 4
    assert parents["group"].to_list() == parents["group_parent"].to_list()
    assert parents["fold"].to_list() == parents["fold_parent"].to_list()
    for ops in pseudo["ops"]:
        assert needs_face(Recipe.from_json(ops))
    plain = table.filter(~pl.col("video_id").str.contains("~sbi"))
    assert plain.height == folds.height and not any(needs_face(Recipe.from_json(o)) for o in plain["ops"])


def test_plain_copies_are_unchanged_by_pseudo_fakes() -> None:
    folds = _folds()
    without = plan_copies(folds, params=AugmentParams(copies=1, spatial_ops=2, temporal_prob=0.5, ops=POOL), seed=3)
    with_pseudo = plan_copies(folds, params=PARAMS, seed=3)
    assert with_pseudo.filter(~pl.col("video_id").str.contains("~sbi")).equals(without)


def test_pseudo_fake_recipes_are_reproducible_and_start_with_selfblend() -> None:
    first = draw_pseudo_recipe(5, "v", 1, spatial_ops=2, ops=POOL)
    assert first == draw_pseudo_recipe(5, "v", 1, spatial_ops=2, ops=POOL)
    assert first != draw_pseudo_recipe(5, "v", 0, spatial_ops=2, ops=POOL)
    names = [op.name for op in first.ops]
    assert names[0] == "selfblend" and len(names) == 3 and first.temporal_op is None
    assert names[1:] == sorted(names[1:], key=SPATIAL_OPS.index)


def test_pseudo_fake_ids_are_recognised() -> None:
    assert pseudo_fake_id("a~b", 3) == "a~b~sbi3"
    assert is_pseudo_fake("a~b~sbi3") and not is_pseudo_fake("a~aug0") and not is_pseudo_fake("sbi0")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"pseudo_fakes": -1}, "augment.pseudo_fakes = -1"),
        ({"fakes": "both"}, "augment.fakes = 'both'"),
        ({"fakes": "pseudo", "pseudo_fakes": 0}, "set augment.pseudo_fakes >= 1"),
        ({"ops": (*POOL, "selfblend")}, "augment.ops has selfblend"),
        ({"pseudo_spatial_ops": 9}, "pseudo_spatial_ops=9"),
    ],
)
def test_bad_pseudo_fake_params_name_the_param(changes: dict, message: str) -> None:
    with pytest.raises(FvcError, match=message):
        params = AugmentParams(**{**PARAMS.__dict__, **changes})
        plan_copies(_folds(), params=params, seed=0)
