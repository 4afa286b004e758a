"""Frame sampling and streaming decode."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fvc.video import VideoError, probe_video, read_frames, sample_frame_indices
from tests.conftest import write_video


def test_uniform_sampling_takes_one_frame_per_equal_segment() -> None:
    # segment centres 1.25, 3.75, 6.25, 8.75: the frame starting within half a frame before each
    assert sample_frame_indices(10, 4).tolist() == [0, 3, 5, 8]


def test_snippets_are_consecutive_and_spread_over_the_video() -> None:
    idx = sample_frame_indices(100, 8, snippet=4).tolist()
    assert idx == [23, 24, 25, 26, 73, 74, 75, 76]


def test_short_video_repeats_frames() -> None:
    assert sample_frame_indices(3, 8, snippet=4).tolist() == [0, 0, 1, 1, 2, 2, 2, 2]


def test_snippet_must_divide_frames() -> None:
    with pytest.raises(ValueError, match="snippet must divide"):
        sample_frame_indices(100, 6, snippet=4)


@given(
    frame_count=st.integers(1, 5000),
    snippets=st.integers(1, 40),
    snippet=st.integers(1, 8),
)
def test_indices_are_in_range_sorted_and_cover_the_video(frame_count: int, snippets: int, snippet: int) -> None:
    idx = sample_frame_indices(frame_count, snippets * snippet, snippet)
    assert len(idx) == snippets * snippet
    assert idx.min() >= 0 and idx.max() <= frame_count - 1
    assert np.all(np.diff(idx) >= 0)
    if frame_count >= 2 * snippets * snippet:  # long enough: first and last snippets near the ends, no repeats
        assert len(np.unique(idx)) == len(idx)
        assert idx[0] < frame_count / snippets and idx[-1] >= frame_count - frame_count / snippets - snippet


def test_read_frames_resizes_and_rotates(tmp_path: Path) -> None:
    path = write_video(tmp_path / "r.mp4", width=64, height=32, frames=10, rotation=90)
    probe = probe_video(path, max_pixels=10**6)
    frames, decoded = read_frames(
        path, sample_frame_indices(probe.frame_count, 4), height=64, width=32, rotation=probe.rotation
    )
    assert frames.shape == (4, 64, 32, 3) and frames.dtype == np.uint8
    assert decoded == 9  # decoding stops after the last sampled frame (index 8)


def test_read_frames_stops_after_the_last_wanted_frame(tmp_path: Path) -> None:
    path = write_video(tmp_path / "v.mp4", frames=30)
    _, decoded = read_frames(path, np.array([0, 1, 2]), height=24, width=32)
    assert decoded == 3


def test_read_frames_on_a_non_video(tmp_path: Path) -> None:
    path = tmp_path / "x.mp4"
    path.write_text("not a video")
    with pytest.raises(VideoError, match="not a readable media file"):
        read_frames(path, np.array([0]), height=8, width=8)
