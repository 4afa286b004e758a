"""Materialising a copy: each parent frame read once, gathered into copy order, then the spatial ops."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fvc.augment import Op, Recipe, augmented_frame_count, draw_recipe, materialise, temporal_index_map
from fvc.video import sample_frame_indices
from tests.augment.helpers import numbered_parent, recipe_of


class Reader:
    """Reads frames of an in-memory parent, recording each call, and checking indices are sorted and unique."""

    def __init__(self, parent: np.ndarray) -> None:
        self.parent = parent
        self.calls: list[list[int]] = []

    def __call__(self, indices: np.ndarray) -> np.ndarray:
        assert np.all(np.diff(indices) > 0), "read must get sorted, unique indices"
        self.calls.append(indices.tolist())
        return self.parent[indices]


def test_reverse_returns_the_parent_frames_in_reverse_order() -> None:
    read = Reader(numbered_parent(6))
    out = materialise(read, recipe_of("reverse"), np.arange(6), 6)
    assert out[:, 0, 0, 0].tolist() == [5, 4, 3, 2, 1, 0]
    assert read.calls == [[0, 1, 2, 3, 4, 5]]


def test_each_parent_frame_is_read_once_even_when_the_copy_repeats_it() -> None:
    recipe = Recipe(ops=(Op("frame_duplicate", {"fraction": 0.5, "seed": 0}),))
    read = Reader(numbered_parent(4))
    copy_indices = np.arange(augmented_frame_count(recipe, 4))
    out = materialise(read, recipe, copy_indices, 4)
    assert out[:, 0, 0, 0].tolist() == temporal_index_map(recipe, 4).tolist()
    assert read.calls == [[0, 1, 2, 3]]


def test_copy_indices_are_returned_in_the_order_asked() -> None:
    read = Reader(numbered_parent(6))
    out = materialise(read, recipe_of("reverse"), np.array([4, 0, 4, 1]), 6)
    assert out[:, 0, 0, 0].tolist() == [1, 5, 1, 4]
    assert read.calls == [[1, 4, 5]]


def test_dropped_frames_are_not_read() -> None:
    recipe = Recipe(ops=(Op("frame_drop", {"fraction": 0.5, "seed": 0}),))
    kept = temporal_index_map(recipe, 8)
    read = Reader(numbered_parent(8))
    out = materialise(read, recipe, np.arange(len(kept)), 8)
    assert out[:, 0, 0, 0].tolist() == kept.tolist() and read.calls == [kept.tolist()]


def test_spatial_ops_are_applied_after_gathering() -> None:
    parent = np.random.default_rng(0).integers(0, 256, size=(3, 4, 5, 3), dtype=np.uint8)
    recipe = Recipe(ops=(Op("reverse", {}), Op("hflip", {})))
    out = materialise(Reader(parent), recipe, np.arange(3), 3)
    assert np.array_equal(out, parent[::-1, :, ::-1])


def test_out_of_range_copy_indices_are_refused() -> None:
    with pytest.raises(ValueError, match="the copy has 3 frames"):
        materialise(Reader(numbered_parent(3)), recipe_of("reverse"), np.array([0, 3]), 3)
    with pytest.raises(ValueError, match="non-empty"):
        materialise(Reader(numbered_parent(3)), recipe_of("reverse"), np.array([], dtype=np.int64), 3)


def test_a_reader_returning_the_wrong_number_of_frames_is_refused() -> None:
    with pytest.raises(ValueError, match="read returned 1 frames for 3 indices"):
        materialise(lambda idx: numbered_parent(1), recipe_of("reverse"), np.arange(3), 3)


def test_same_copy_materialises_identically_twice() -> None:
    recipe = draw_recipe(1, "v", 0, spatial_ops=10, temporal_prob=1.0)
    parent = np.random.default_rng(0).integers(0, 256, size=(12, 16, 20, 3), dtype=np.uint8)
    n = augmented_frame_count(recipe, 12)
    first = materialise(Reader(parent), recipe, sample_frame_indices(n, 4), 12)
    assert np.array_equal(first, materialise(Reader(parent), recipe, sample_frame_indices(n, 4), 12))


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    video_id=st.text(min_size=1, max_size=12),
    copy_index=st.integers(0, 50),
    frame_count=st.integers(1, 60),
    height=st.integers(1, 12),
    width=st.integers(1, 12),
    spatial_ops=st.integers(0, 10),
    temporal_prob=st.floats(0.0, 1.0),
)
def test_any_copy_of_any_video_has_valid_maps_and_frames(
    seed: int,
    video_id: str,
    copy_index: int,
    frame_count: int,
    height: int,
    width: int,
    spatial_ops: int,
    temporal_prob: float,
) -> None:
    recipe = draw_recipe(seed, video_id, copy_index, spatial_ops=spatial_ops, temporal_prob=temporal_prob)
    assert Recipe.from_json(recipe.to_json()) == recipe
    index_map = temporal_index_map(recipe, frame_count)
    assert index_map.dtype == np.int64 and len(index_map) == augmented_frame_count(recipe, frame_count) >= 1
    assert index_map.min() >= 0 and index_map.max() < frame_count
    copy_indices = sample_frame_indices(len(index_map), 8, snippet=4)
    frames = materialise(Reader(numbered_parent(frame_count, height, width)), recipe, copy_indices, frame_count)
    assert frames.shape == (8, height, width, 3) and frames.dtype == np.uint8
