"""The leak test: an augmented copy trains only in folds whose training part holds its parent, and never
validates or tests; originals of the three parts are disjoint and no group spans two parts."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fvc.augment import ALL_OPS
from fvc.augment.plan import AugmentParams, plan_copies
from fvc.errors import FvcError
from fvc.folds import fold_rows, stratified_group_folds
from fvc.schema import FOLDS

pytestmark = pytest.mark.filterwarnings("ignore:The least populated class in y:UserWarning")

VAL_FRACTION = 0.25
VAL_SPLITS = 4  # fold_partition splits the non-test videos into round(1 / VAL_FRACTION) parts, one of them val


def _table(folds: pl.DataFrame, copies: int) -> pl.DataFrame:
    """Rows per video and per copy, as the features stage writes them: video_id, parent_id, a data column."""
    augmented = plan_copies(folds, params=AugmentParams(copies, spatial_ops=1, temporal_prob=0.5, ops=ALL_OPS), seed=0)
    rows = pl.concat(
        [
            folds.select("video_id", pl.col("video_id").alias("parent_id")),
            augmented.select("video_id", "parent_id"),
        ]
    )
    return rows.with_columns(x=pl.int_range(pl.len()).cast(pl.Float64)).sample(fraction=1.0, shuffle=True, seed=0)


@st.composite
def fold_tables(draw: st.DrawFn) -> tuple[pl.DataFrame, int]:
    """A split (schema FOLDS) of 6..20 groups of 1..3 videos with both labels, and the copies per video."""
    n_groups = draw(st.integers(6, 20))
    sizes = draw(st.lists(st.integers(1, 3), min_size=n_groups, max_size=n_groups))
    labels = draw(st.lists(st.sampled_from(["real", "fake"]), min_size=sum(sizes), max_size=sum(sizes)))
    labels[0], labels[-1] = "real", "fake"
    videos = []
    for g, size in enumerate(sizes):
        for i in range(size):
            videos.append({"video_id": f"g{g:02d}_v{i}", "group": f"g{g:02d}", "label": labels[len(videos)]})
    videos = pl.DataFrame(videos)
    n_splits = draw(st.integers(2, 4))
    enough = min(labels.count("real"), labels.count("fake")) >= n_splits  # fewer: no valid split exists
    if enough and draw(st.booleans()):
        try:
            folds = stratified_group_folds(
                videos, n_splits=n_splits, group_column="group", seed=draw(st.integers(0, 9))
            )
        except FvcError:  # a fold without a class: the split stage refuses it, so no fold table exists
            folds = None
    else:
        folds = None
    if folds is None:  # groups to folds round-robin
        folds = videos.with_columns(fold=pl.col("group").str.slice(1).cast(pl.Int32) % n_splits).select(list(FOLDS))
    return folds.cast(FOLDS), draw(st.integers(0, 3))


def _check_fold(folds: pl.DataFrame, table: pl.DataFrame, fold: int) -> None:
    rest = folds.filter(pl.col("fold") != fold)
    if rest["label"].value_counts()["count"].max() < VAL_SPLITS:  # no validation split: refused, see below
        return
    try:
        part, rows = fold_rows(table, folds, fold, val_fraction=VAL_FRACTION, seed=3)
    except FvcError as err:  # too few groups, or a part with one class: refused, nothing to leak
        assert f"fold {fold}" in str(err)
        return
    train, val, test = rows["train"], rows["val"], rows["test"]
    is_copy = pl.col("video_id") != pl.col("parent_id")
    assert val.filter(is_copy).height == 0 and test.filter(is_copy).height == 0

    held_out = set(part.val) | set(part.test)
    assert not set(train["parent_id"]) & held_out
    assert set(train["parent_id"]) == set(part.train)

    copies_of_train = set(table.filter(is_copy & pl.col("parent_id").is_in(part.train))["video_id"])
    assert set(train.filter(is_copy)["video_id"]) == copies_of_train

    originals = [set(part.train), set(part.val), set(part.test)]
    assert set(train.filter(~is_copy)["video_id"]) == originals[0]
    assert set(val["video_id"]) == originals[1] and set(test["video_id"]) == originals[2]
    assert sum(map(len, originals)) == len(set.union(*originals)) == folds.height
    assert originals[2] == set(folds.filter(pl.col("fold") == fold)["video_id"])

    groups = [set(train["group"]), set(val["group"]), set(test["group"])]
    assert not (groups[0] & groups[1] or groups[0] & groups[2] or groups[1] & groups[2])


@settings(max_examples=30, deadline=None)
@given(split=fold_tables())
def test_no_fold_leaks_a_copy_or_a_group_across_its_parts(split: tuple[pl.DataFrame, int]) -> None:
    folds, copies = split
    table = _table(folds, copies)
    for fold in sorted(set(folds["fold"])):
        _check_fold(folds, table, fold)


def test_copies_of_test_and_validation_videos_are_left_out_and_train_copies_kept() -> None:
    people = ["ann", "ben", "cat", "dan", "eve", "fay", "gus", "hal"]
    folds = pl.DataFrame(
        [
            {"video_id": f"{p}_{label}", "group": p, "label": label, "fold": int(p in ("ann", "ben"))}
            for p in people
            for label in ("real", "fake")
        ],
        schema=FOLDS,
    )
    table = _table(folds, copies=1)
    part, rows = fold_rows(table, folds, 1, val_fraction=VAL_FRACTION, seed=3)

    assert rows["test"]["video_id"].to_list() == ["ann_fake", "ann_real", "ben_fake", "ben_real"]
    validating = {v.split("_")[0] for v in part.val}
    training = set(people) - {"ann", "ben"} - validating
    assert validating and training
    assert rows["val"]["video_id"].to_list() == sorted(part.val)  # originals only, no copies
    assert set(rows["train"]["video_id"]) == {
        f"{p}_{label}{suffix}" for p in training for label in ("real", "fake") for suffix in ("", "~aug0")
    }
    train = rows["train"]
    assert (train["label"] == pl.Series([v.split("_")[1].removesuffix("~aug0") for v in train["video_id"]])).all()


def test_too_few_videos_of_each_class_outside_the_test_fold_is_refused_naming_the_fold() -> None:
    folds = pl.DataFrame(
        {
            "video_id": ["a", "b", "c", "d", "e", "f"],
            "group": ["a", "b", "c", "d", "e", "f"],
            "label": ["real", "fake", "real", "real", "real", "fake"],
            "fold": [0, 1, 2, 0, 1, 2],
        },
        schema=FOLDS,
    )
    table = _table(folds, copies=1)
    with pytest.raises(FvcError, match="fold 0"):  # 3 real and 2 fake videos outside fold 0, 4 validation splits
        fold_rows(table, folds, 0, val_fraction=VAL_FRACTION, seed=3)
