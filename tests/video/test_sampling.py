"""Specification of fvc.video.sampling: how many frames the handcrafted features look at."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fvc.video import feature_frame_count


@pytest.mark.parametrize(
    ("frame_count", "expected"),
    [(1, 1), (4, 4), (5, 5), (30, 5), (59, 5), (60, 6), (100, 10), (499, 49), (500, 50), (1000, 50), (10000, 50)],
)
def test_a_tenth_of_the_frames_clamped_to_5_to_50_and_to_the_video(frame_count: int, expected: int) -> None:
    assert feature_frame_count(frame_count) == expected


@pytest.mark.parametrize("frame_count", [0, -1])
def test_a_video_without_frames_is_rejected(frame_count: int) -> None:
    with pytest.raises(ValueError, match="at least 1 frame"):
        feature_frame_count(frame_count)


@given(st.integers(1, 100_000))
def test_count_is_between_1_and_the_video_length_and_at_most_50(frame_count: int) -> None:
    n = feature_frame_count(frame_count)
    assert isinstance(n, int)
    assert 1 <= n <= min(frame_count, 50)
    assert n >= min(frame_count, 5)
