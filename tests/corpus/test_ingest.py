"""Ingest: good videos are probed; broken files become rejects with a reason; an all-bad corpus fails clearly."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from fvc.corpus.ingest import ingest
from fvc.errors import FvcError
from fvc.schema import REJECTS, VIDEOS
from tests.conftest import write_manifest, write_video

MAX_PIXELS = 4096 * 2160


def test_good_videos_are_probed(small_corpus: Path) -> None:
    result = ingest(small_corpus, max_pixels=MAX_PIXELS, workers=1)
    assert result.rejects.height == 0
    videos = result.videos
    assert dict(videos.schema) == VIDEOS
    row = videos.row(0, named=True)
    assert (row["width"], row["height"], row["frame_count"], row["fps"]) == (32, 24, 6, 10.0)
    assert row["codec"] == "h264" and row["pix_fmt"] == "yuv420p"
    assert row["duration_s"] == pytest.approx(0.6)
    assert len(row["content_hash"]) == 64 and row["size_bytes"] > 0
    assert videos["video_id"].to_list() == sorted(videos["video_id"].to_list())


def test_rotation_swaps_displayed_size(tmp_path: Path) -> None:
    write_video(tmp_path / "r.mp4", width=32, height=16, rotation=90)
    manifest = write_manifest(tmp_path, [{"video_id": "r", "path": "r.mp4", "label": "real", "group": "g"}])
    row = ingest(manifest, max_pixels=MAX_PIXELS, workers=1).videos.row(0, named=True)
    assert (row["width"], row["height"], row["rotation"]) == (16, 32, 90)


def test_broken_files_become_rejects_and_the_rest_goes_on(small_corpus: Path) -> None:
    root = small_corpus.parent
    (root / "zero.mp4").write_bytes(b"")
    (root / "text.mp4").write_text("this is not a video\n")
    good = (root / "videos" / "g0_real.mp4").read_bytes()
    (root / "truncated.mp4").write_bytes(good[: len(good) // 3])
    rows = pl.read_csv(small_corpus).to_dicts()
    rows += [
        {"video_id": n, "path": f"{n}.mp4", "label": "fake", "group": "gx", "method": "", "source": ""}
        for n in ("zero", "text", "truncated")
    ]
    write_manifest(root, rows)
    result = ingest(small_corpus, max_pixels=MAX_PIXELS, workers=2)
    assert result.videos.height == 8
    assert dict(result.rejects.schema) == REJECTS
    reasons = dict(zip(result.rejects["video_id"], result.rejects["reason"], strict=True))
    assert set(reasons) == {"zero", "text", "truncated"}
    assert reasons["zero"] == "empty file (0 bytes)"
    assert all("\n" not in r and r for r in reasons.values())


def test_frames_above_max_pixels_are_refused(small_corpus: Path) -> None:
    with pytest.raises(FvcError, match="manifest.csv: no valid video among 8; first: .*exceeds ingest.max_pixels=100"):
        ingest(small_corpus, max_pixels=100, workers=1)


def test_one_and_two_workers_agree(small_corpus: Path) -> None:
    one = ingest(small_corpus, max_pixels=MAX_PIXELS, workers=1)
    two = ingest(small_corpus, max_pixels=MAX_PIXELS, workers=2)
    assert one.videos.equals(two.videos)
