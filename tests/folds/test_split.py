"""Folds: no group in two folds, classes stratified, seeded, and clear errors when a split is impossible."""

from __future__ import annotations

import polars as pl
import pytest

from fvc.errors import FvcError
from fvc.folds import stratified_group_folds


def _videos(n_groups: int = 20, per_group: int = 4) -> pl.DataFrame:
    rows = []
    for g in range(n_groups):
        for i in range(per_group):
            rows.append(
                {
                    "video_id": f"g{g:02d}_{i}",
                    "group": f"g{g:02d}",
                    "source": f"id{g % 7}",
                    "label": "fake" if i % 2 else "real",
                }
            )
    return pl.DataFrame(rows)


def test_no_group_in_two_folds() -> None:
    folds = stratified_group_folds(_videos(), n_splits=5, group_column="group", seed=42)
    assert folds.group_by("group").agg(pl.col("fold").n_unique()).get_column("fold").max() == 1
    assert sorted(folds["fold"].unique().to_list()) == [0, 1, 2, 3, 4]


def test_classes_are_stratified() -> None:
    folds = stratified_group_folds(_videos(), n_splits=5, group_column="group", seed=42)
    share = folds.group_by("fold").agg((pl.col("label") == "fake").mean().alias("fake"))["fake"]
    assert share.min() == pytest.approx(0.5) and share.max() == pytest.approx(0.5)


def test_group_column_source_keeps_identities_together() -> None:
    folds = stratified_group_folds(_videos(), n_splits=5, group_column="source", seed=42)
    assert folds.group_by("group").agg(pl.col("fold").n_unique())["fold"].max() == 1
    assert folds["group"].n_unique() == 7


def test_seeded_and_seed_sensitive() -> None:
    a = stratified_group_folds(_videos(), n_splits=5, group_column="group", seed=42)
    b = stratified_group_folds(_videos(), n_splits=5, group_column="group", seed=42)
    c = stratified_group_folds(_videos(), n_splits=5, group_column="group", seed=7)
    assert a.equals(b)
    assert not a.equals(c)


def test_fewer_groups_than_folds() -> None:
    with pytest.raises(FvcError, match="cv.folds lists 5 folds but only 3 groups when grouping by 'group'"):
        stratified_group_folds(_videos(n_groups=3), n_splits=5, group_column="group", seed=42)


def test_fold_lacking_a_class() -> None:
    videos = _videos(n_groups=6).with_columns(
        label=pl.when(pl.col("group") == "g00").then(pl.lit("fake")).otherwise(pl.lit("real"))
    )
    with pytest.raises(FvcError, match=r"fold \d of 3 has no fake video"):
        stratified_group_folds(videos, n_splits=3, group_column="group", seed=42)


def test_unknown_group_column() -> None:
    with pytest.raises(FvcError, match="cv.group_column = 'cascade': cascade is not a column of the video index"):
        stratified_group_folds(_videos(), n_splits=5, group_column="cascade", seed=42)
    with pytest.raises(FvcError, match=r"cv.group_column = \['group', 'person'\]: person is not a column"):
        stratified_group_folds(_videos(), n_splits=5, group_column=["group", "person"], seed=42)


def test_linked_columns_join_groups_that_share_any_value() -> None:
    from fvc.folds import linked_groups

    videos = pl.DataFrame(
        {
            "group": ["a", "a", "b", "c", "d", "e"],
            "source": ["p1", "p1", "p2", "p2", "p3", "p1"],  # b-c share p2; e joins a through p1
        }
    )
    assert linked_groups(videos, ["group", "source"]).tolist() == ["p1", "p1", "p2", "p2", "p3", "p1"]
    chained = videos.with_columns(pl.Series("source", ["p1", "p2", "p2", "p3", "p4", "p5"]))  # a: p1-p2, p2: b
    assert linked_groups(chained, ["group", "source"]).tolist() == ["p1+p2"] * 3 + ["p3", "p4", "p5"]
    assert linked_groups(videos, ["group"]).tolist() == videos["group"].to_list()


def test_no_person_crosses_a_fold_when_grouping_by_group_and_source() -> None:
    videos = _videos()
    folds = stratified_group_folds(videos, n_splits=3, group_column=["group", "source"], seed=42)
    joined = folds.join(videos.select("video_id", "source", pl.col("group").alias("clip")), on="video_id")
    assert joined.group_by("source").agg(pl.col("fold").n_unique())["fold"].max() == 1
    assert joined.group_by("clip").agg(pl.col("fold").n_unique())["fold"].max() == 1
