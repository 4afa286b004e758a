"""A fold's train, validation and test parts are disjoint by video and by group, and the test part is the fold."""

from __future__ import annotations

import polars as pl
import pytest

from fvc.errors import FvcError
from fvc.folds import fold_partition, stratified_group_folds


def _folds(n_groups: int = 20) -> pl.DataFrame:
    videos = pl.DataFrame(
        [
            {"video_id": f"g{g:02d}_{i}", "group": f"g{g:02d}", "label": "fake" if i % 2 else "real"}
            for g in range(n_groups)
            for i in range(4)
        ]
    )
    return stratified_group_folds(videos, n_splits=5, group_column="group", seed=42)


@pytest.mark.parametrize("fold", range(5))
def test_parts_are_disjoint_by_video_and_group(fold: int) -> None:
    folds = _folds()
    part = fold_partition(folds, fold, val_fraction=0.2, seed=42)
    group_of = dict(zip(folds["video_id"], folds["group"], strict=True))
    sets = [set(part.train), set(part.val), set(part.test)]
    groups = [{group_of[v] for v in s} for s in sets]
    for i in range(3):
        for j in range(i + 1, 3):
            assert not sets[i] & sets[j]
            assert not groups[i] & groups[j]
    assert sets[2] == set(folds.filter(pl.col("fold") == fold)["video_id"])
    assert len(sets[0]) + len(sets[1]) + len(sets[2]) == folds.height


def test_unknown_fold_is_an_error() -> None:
    with pytest.raises(FvcError, match="fold 7 is not in"):
        fold_partition(_folds(), 7, val_fraction=0.2, seed=42)


def test_bad_val_fraction_is_an_error() -> None:
    with pytest.raises(FvcError, match="train.val_fraction = 0.7"):
        fold_partition(_folds(), 0, val_fraction=0.7, seed=42)
