"""Ingest's probe cache: a rerun probes only new or changed files, and gives the same tables as no cache."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

import fvc.corpus.ingest as ingest_module
from fvc.corpus.ingest import ingest
from tests.conftest import write_video


@pytest.fixture
def probed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The file names probe_video is called on (workers=1 runs in this process)."""
    calls: list[str] = []
    real = ingest_module.probe_video

    def counting(path, **kwargs):
        calls.append(Path(path).name)
        return real(path, **kwargs)

    monkeypatch.setattr(ingest_module, "probe_video", counting)
    return calls


def _drop_last_row(manifest: Path) -> None:
    rows = list(csv.DictReader(manifest.open(newline="", encoding="utf-8")))
    with manifest.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows[:-1])


def test_cached_ingest_equals_uncached(small_corpus: Path, tmp_path: Path) -> None:
    plain = ingest(small_corpus, max_pixels=10**7, workers=1)
    cached = ingest(small_corpus, max_pixels=10**7, workers=1, cache_dir=tmp_path / "cache")
    again = ingest(small_corpus, max_pixels=10**7, workers=1, cache_dir=tmp_path / "cache")
    for result in (cached, again):
        assert_frame_equal(result.videos, plain.videos)
        assert_frame_equal(result.rejects, plain.rejects)


def test_a_rerun_probes_only_new_and_changed_files(small_corpus: Path, tmp_path: Path, probed: list[str]) -> None:
    cache = tmp_path / "cache"
    ingest(small_corpus, max_pixels=10**7, workers=1, cache_dir=cache)
    assert len(probed) == 8
    probed.clear()
    ingest(small_corpus, max_pixels=10**7, workers=1, cache_dir=cache)
    assert probed == []
    write_video(small_corpus.parent / "videos" / "g0_real.mp4", seed=99)  # new content under an old name
    ingest(small_corpus, max_pixels=10**7, workers=1, cache_dir=cache)
    assert probed == ["g0_real.mp4"]


def test_removing_a_video_removes_its_cache_entry(small_corpus: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    ingest(small_corpus, max_pixels=10**7, workers=1, cache_dir=cache)
    assert len(list(cache.iterdir())) == 8
    _drop_last_row(small_corpus)
    result = ingest(small_corpus, max_pixels=10**7, workers=1, cache_dir=cache)
    assert result.videos.height == 7 and len(list(cache.iterdir())) == 7


def test_the_cache_is_the_same_on_another_checkout(small_corpus: Path, tmp_path: Path) -> None:
    # Keys come from content, not modification times: a copy of the corpus elsewhere gives the same entries.
    ingest(small_corpus, max_pixels=10**7, workers=1, cache_dir=tmp_path / "a")
    for video in (small_corpus.parent / "videos").iterdir():
        video.touch()
    ingest(small_corpus, max_pixels=10**7, workers=1, cache_dir=tmp_path / "b")
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_a_rejected_file_is_not_probed_again(small_corpus: Path, tmp_path: Path, probed: list[str]) -> None:
    # Its reason follows from its content, max_pixels and the code, which its cache key covers.
    (small_corpus.parent / "notes.mp4").write_text("not a video\n")
    with small_corpus.open("a", encoding="utf-8") as fh:
        fh.write("notes,notes.mp4,fake,gx,,\n")
    first = ingest(small_corpus, max_pixels=10**7, workers=1, cache_dir=tmp_path / "cache")
    assert first.rejects["video_id"].to_list() == ["notes"] and "notes.mp4" in probed
    probed.clear()
    again = ingest(small_corpus, max_pixels=10**7, workers=1, cache_dir=tmp_path / "cache")
    assert probed == []
    assert_frame_equal(again.rejects, first.rejects)
