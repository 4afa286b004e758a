"""Augment stage: a reproducible table of copies, each a recipe over its parent that inherits the parent's split."""

from __future__ import annotations

import polars as pl
import pytest

from fvc.augment import ALL_OPS, Recipe
from fvc.augment.plan import AugmentParams, copy_id, plan_copies
from fvc.errors import FvcError
from fvc.schema import AUGMENTED, FOLDS

PARAMS = AugmentParams(copies=2, spatial_ops=2, temporal_prob=0.5, ops=ALL_OPS)


def _folds(*ids: str) -> pl.DataFrame:
    """One video per id in its own group; labels alternate fake/real, folds 0, 1, 2, 0, ..."""
    return pl.DataFrame(
        [
            {"video_id": v, "group": f"grp_{v}", "label": ("fake", "real")[i % 2], "fold": i % 3}
            for i, v in enumerate(ids)
        ],
        schema=FOLDS,
    )


def test_every_video_gets_copies_rows_named_parent_aug_index() -> None:
    table = plan_copies(_folds("a", "b", "c"), params=PARAMS, seed=0)
    assert table["video_id"].to_list() == ["a~aug0", "a~aug1", "b~aug0", "b~aug1", "c~aug0", "c~aug1"]
    assert table["parent_id"].to_list() == ["a", "a", "b", "b", "c", "c"]
    assert table["copy"].to_list() == [0, 1, 0, 1, 0, 1]
    assert copy_id("a", 1) == "a~aug1"


def test_a_copy_inherits_its_parents_group_label_and_fold() -> None:
    folds = _folds("a", "b", "c", "d")
    table = plan_copies(folds, params=PARAMS, seed=0)
    joined = table.join(folds, left_on="parent_id", right_on="video_id", suffix="_parent")
    assert joined.height == table.height
    for column in ("group", "label", "fold"):
        assert joined[column].to_list() == joined[f"{column}_parent"].to_list()


def test_the_table_has_the_augmented_schema_and_every_recipe_parses() -> None:
    table = plan_copies(_folds("a", "b"), params=PARAMS, seed=0)
    assert table.schema == pl.Schema(AUGMENTED)
    for ops in table["ops"]:
        assert len(Recipe.from_json(ops).spatial_ops) == PARAMS.spatial_ops


def test_the_same_seed_gives_an_identical_table() -> None:
    folds = _folds("a", "b", "c")
    assert plan_copies(folds, params=PARAMS, seed=7).equals(plan_copies(folds, params=PARAMS, seed=7))


def test_another_seed_gives_different_recipes() -> None:
    folds = _folds("a", "b", "c")
    first, second = plan_copies(folds, params=PARAMS, seed=7), plan_copies(folds, params=PARAMS, seed=8)
    assert first.drop("ops").equals(second.drop("ops"))
    assert first["ops"].to_list() != second["ops"].to_list()


def test_adding_a_video_leaves_the_other_copies_unchanged() -> None:
    before = plan_copies(_folds("a", "c"), params=PARAMS, seed=0)
    after = plan_copies(_folds("a", "b", "c"), params=PARAMS, seed=0)
    kept = after.filter(pl.col("parent_id") != "b")
    assert kept.select("video_id", "ops").equals(before.select("video_id", "ops"))


def test_zero_copies_give_an_empty_table_with_the_augmented_schema() -> None:
    table = plan_copies(
        _folds("a", "b"), params=AugmentParams(copies=0, spatial_ops=2, temporal_prob=0.5, ops=ALL_OPS), seed=0
    )
    assert table.height == 0
    assert table.schema == pl.Schema(AUGMENTED)


def test_a_negative_copy_count_names_the_param() -> None:
    with pytest.raises(FvcError, match=r"augment.copies = -1"):
        AugmentParams(copies=-1, spatial_ops=2, temporal_prob=0.5, ops=ALL_OPS)


def test_an_unknown_op_names_the_param_before_any_copy_is_drawn() -> None:
    with pytest.raises(FvcError, match=r"augment.ops has unknown op\(s\) sharpen; known: hflip"):
        AugmentParams(copies=0, spatial_ops=1, temporal_prob=0.5, ops=("hflip", "sharpen"))
