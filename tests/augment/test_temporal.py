"""Temporal index maps: copy frame j shows parent frame map[j]."""

from __future__ import annotations

import numpy as np
import pytest

from fvc.augment import Op, Recipe, augmented_frame_count, temporal_index_map
from tests.augment.helpers import recipe_of


def drop(fraction: float, seed: int = 1) -> Recipe:
    return Recipe(ops=(Op("frame_drop", {"fraction": fraction, "seed": seed}),))


def duplicate(fraction: float, seed: int = 1) -> Recipe:
    return Recipe(ops=(Op("frame_duplicate", {"fraction": fraction, "seed": seed}),))


def test_no_temporal_op_is_the_identity() -> None:
    index_map = temporal_index_map(recipe_of("hflip"), 5)
    assert index_map.dtype == np.int64 and index_map.tolist() == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(("frame_count", "expected"), [(1, [0]), (2, [1, 0]), (5, [4, 3, 2, 1, 0])])
def test_reverse_maps_j_to_the_mirrored_frame(frame_count: int, expected: list[int]) -> None:
    assert temporal_index_map(recipe_of("reverse"), frame_count).tolist() == expected


def test_frame_drop_removes_the_fraction_and_keeps_order() -> None:
    index_map = temporal_index_map(drop(0.1), 100)
    assert len(index_map) == 90
    assert np.all(np.diff(index_map) > 0) and index_map.min() >= 0 and index_map.max() <= 99


def test_frame_drop_is_decided_by_the_op_seed() -> None:
    assert temporal_index_map(drop(0.1, seed=3), 50).tolist() == temporal_index_map(drop(0.1, seed=3), 50).tolist()
    assert temporal_index_map(drop(0.1, seed=3), 50).tolist() != temporal_index_map(drop(0.1, seed=4), 50).tolist()


@pytest.mark.parametrize("frame_count", [1, 2, 3])
@pytest.mark.parametrize("fraction", [0.15, 0.9, 1.0])
def test_frame_drop_never_drops_every_frame(frame_count: int, fraction: float) -> None:
    index_map = temporal_index_map(drop(fraction), frame_count)
    assert 1 <= len(index_map) <= frame_count and set(index_map.tolist()) <= set(range(frame_count))


def test_frame_duplicate_shows_the_fraction_twice_in_a_row() -> None:
    index_map = temporal_index_map(duplicate(0.1), 100)
    assert len(index_map) == 110
    assert np.all(np.diff(index_map) >= 0)
    counts = np.bincount(index_map, minlength=100)
    assert counts.min() == 1 and counts.max() == 2 and (counts == 2).sum() == 10


@pytest.mark.parametrize(("frame_count", "expected_len"), [(1, 1), (2, 2), (10, 12)])
def test_frame_duplicate_lengths_of_short_videos(frame_count: int, expected_len: int) -> None:
    assert len(temporal_index_map(duplicate(0.15), frame_count)) == expected_len


def test_augmented_frame_count_is_the_map_length() -> None:
    assert augmented_frame_count(drop(0.1), 100) == 90
    assert augmented_frame_count(duplicate(0.1), 100) == 110
    assert augmented_frame_count(recipe_of("reverse"), 7) == 7


def test_a_video_without_frames_is_refused() -> None:
    with pytest.raises(ValueError, match="frame_count=0"):
        temporal_index_map(recipe_of("reverse"), 0)
