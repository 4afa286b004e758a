"""Scale: aspect ratio kept and rounded to the stride, letterbox, and an incremental per-video cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fvc.clips import ScaleParams, letterbox, scale_corpus, scaled_size
from fvc.corpus.ingest import ingest
from fvc.errors import FvcError

PARAMS = ScaleParams(frames=4, snippet=2, max_dim=64, multiple_of=16, interpolation="area", letterbox=False)


@pytest.mark.parametrize(
    ("hw", "expected"),
    [((1080, 1920), (144, 256)), ((1920, 1080), (256, 144)), ((480, 640), (192, 256)), ((90, 160), (144, 256))],
)
def test_scaled_size_keeps_aspect_ratio(hw: tuple[int, int], expected: tuple[int, int]) -> None:
    assert scaled_size(*hw, max_dim=256, multiple_of=16) == expected


def test_exact_halves_round_the_same_way_for_every_source_size() -> None:
    # 16:9 at 256 is 144 = 4.5 x 32 whatever the source size: one bucket, not two.
    sizes = {scaled_size(h, w, max_dim=256, multiple_of=32) for h, w in [(90, 160), (117, 208), (180, 320)]}
    assert sizes == {(160, 256)}


@given(h=st.integers(1, 4000), w=st.integers(1, 4000), m=st.sampled_from([8, 16, 32]))
def test_scaled_size_is_a_multiple_and_the_long_side_is_max_dim(h: int, w: int, m: int) -> None:
    sh, sw = scaled_size(h, w, max_dim=256, multiple_of=m)
    assert sh % m == 0 and sw % m == 0 and sh >= m and sw >= m
    assert max(sh, sw) == 256
    if min(h, w) * 256 >= 2 * m * max(h, w):  # not clamped at one multiple: the ratio is kept to a rounding step
        assert abs(sh / sw - h / w) <= m / min(sh, sw) * (h / w) + 1e-9 or abs(sw / sh - w / h) <= m / min(sh, sw) * (
            w / h
        )


def test_letterbox_centres_on_a_square_canvas() -> None:
    frames = np.full((2, 4, 8, 3), 255, dtype=np.uint8)
    out = letterbox(frames, 8)
    assert out.shape == (2, 8, 8, 3)
    assert out[:, 2:6].min() == 255 and out[:, :2].max() == 0 and out[:, 6:].max() == 0


def test_bad_params_name_the_parameter() -> None:
    with pytest.raises(FvcError, match="scale.snippet = 3 must be >= 1 and divide scale.frames = 4"):
        ScaleParams(frames=4, snippet=3, max_dim=64, multiple_of=16, interpolation="area", letterbox=False)
    with pytest.raises(FvcError, match="scale.interpolation = 'cubic'"):
        ScaleParams(frames=4, snippet=1, max_dim=64, multiple_of=16, interpolation="cubic", letterbox=False)


def _videos(manifest: Path) -> pl.DataFrame:
    return ingest(manifest, max_pixels=10**7, workers=1).videos


def test_scale_writes_one_clip_per_video(small_corpus: Path, tmp_path: Path) -> None:
    clips, rejects, computed = scale_corpus(
        _videos(small_corpus), params=PARAMS, root=small_corpus.parent, out_dir=tmp_path / "clips", workers=1
    )
    assert (clips.height, rejects.height, computed) == (8, 0, 8)
    clip = np.load(tmp_path / "clips" / clips["file"][0])
    assert clip.shape == (4, 48, 64, 3)  # 24x32 source -> longer side 64, 48 a multiple of 16
    assert set(clips["height"]) == {48} and set(clips["snippet"]) == {2}


def test_rerun_reuses_clips_and_removing_a_video_removes_its_clip(small_corpus: Path, tmp_path: Path) -> None:
    videos = _videos(small_corpus)
    out = tmp_path / "clips"
    first, _, _ = scale_corpus(videos, params=PARAMS, root=small_corpus.parent, out_dir=out, workers=1)
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    again, _, computed = scale_corpus(videos, params=PARAMS, root=small_corpus.parent, out_dir=out, workers=2)
    assert computed == 0 and again.equals(first)
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == mtimes
    fewer, _, computed = scale_corpus(videos.slice(1), params=PARAMS, root=small_corpus.parent, out_dir=out, workers=1)
    assert computed == 0 and fewer.height == 7
    assert sorted(p.name for p in out.iterdir()) == sorted(fewer["file"])


def test_changed_params_recompute(small_corpus: Path, tmp_path: Path) -> None:
    videos = _videos(small_corpus)
    out = tmp_path / "clips"
    scale_corpus(videos, params=PARAMS, root=small_corpus.parent, out_dir=out, workers=1)
    other = ScaleParams(frames=2, snippet=1, max_dim=64, multiple_of=16, interpolation="bilinear", letterbox=True)
    clips, _, computed = scale_corpus(videos, params=other, root=small_corpus.parent, out_dir=out, workers=1)
    assert computed == 8 and len(list(out.iterdir())) == 8
    assert (clips["height"].to_list()[0], clips["width"].to_list()[0], clips["content_height"].to_list()[0]) == (
        64,
        64,
        48,
    )


def test_a_video_that_fails_to_decode_is_rejected_and_the_rest_goes_on(small_corpus: Path, tmp_path: Path) -> None:
    videos = _videos(small_corpus)
    broken = small_corpus.parent / videos["path"][0]
    data = bytearray(broken.read_bytes())
    broken.write_bytes(bytes(data[: len(data) // 4]))  # truncated after ingest probed it
    clips, rejects, _ = scale_corpus(videos, params=PARAMS, root=small_corpus.parent, out_dir=tmp_path / "c", workers=1)
    assert clips.height + rejects.height == 8
    assert all(rejects["reason"].str.len_chars() > 0)
