"""Features stage: one finite row per video and augmented copy, cached per video; and scale's clips of copies."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from fvc.augment import ALL_OPS
from fvc.augment.plan import AugmentParams, plan_copies
from fvc.clips import ScaleParams, scale_corpus
from fvc.corpus.ingest import ingest
from fvc.features import CLIP_FEATURES, CODEC_FEATURES, VIDEO_FEATURES
from fvc.features.extract import FeatureParams, extract_features, feature_tasks
from fvc.pervideo.shards import Shard

SCALE = ScaleParams(frames=4, snippet=2, max_dim=32, multiple_of=16, interpolation="area", letterbox=False)
AUGMENT = AugmentParams(copies=1, spatial_ops=2, temporal_prob=0.5, ops=ALL_OPS)
NO_CODEC = FeatureParams(codec_cues=False)


@dataclass
class Corpus:
    root: Path  # the folder holding manifest.csv and the videos
    videos: pl.DataFrame  # the index (schema VIDEOS)
    copies: pl.DataFrame  # one copy per video (schema AUGMENTED)
    clip_root: Path  # the folder scale wrote the clips to; clip files are relative to it
    clips: pl.DataFrame  # schema CLIPS


@pytest.fixture
def corpus(small_corpus: Path, tmp_path: Path) -> Corpus:
    """The 8 small videos, one augmented copy each, and their scaled clips."""
    videos = ingest(small_corpus, max_pixels=10**7, workers=1).videos
    folds = videos.select("video_id", "group", "label", fold=pl.lit(0, dtype=pl.Int32))
    copies = plan_copies(folds, params=AUGMENT, seed=0)
    clip_root = tmp_path / "scaled"
    clips, rejects, _ = scale_corpus(
        videos, params=SCALE, root=small_corpus.parent, out_dir=clip_root, workers=1, copies=copies
    )
    assert rejects.height == 0
    return Corpus(small_corpus.parent, videos, copies, clip_root, clips)


def _extract(corpus: Corpus, cache_dir: Path, *, params: FeatureParams = NO_CODEC, workers: int = 1, tasks=None):
    tasks = feature_tasks(corpus.videos, corpus.copies, corpus.clips) if tasks is None else tasks
    return extract_features(
        tasks, params=params, root=corpus.root, clip_root=corpus.clip_root, cache_dir=cache_dir, workers=workers
    )


def test_one_row_per_video_and_copy_with_every_feature_finite(corpus: Corpus, tmp_path: Path) -> None:
    table, rejects, computed = _extract(corpus, tmp_path / "cache")
    expected = sorted(corpus.videos["video_id"].to_list() + corpus.copies["video_id"].to_list())
    assert sorted(table["video_id"]) == expected and len(expected) == 16
    assert (rejects.height, computed) == (0, 16)
    assert table.columns == ["video_id", "parent_id", *VIDEO_FEATURES, *CLIP_FEATURES]
    assert np.isfinite(table.select(*VIDEO_FEATURES, *CLIP_FEATURES).to_numpy()).all()
    parents = dict(zip(table["video_id"], table["parent_id"], strict=True))
    assert parents["g0_real"] == "g0_real" and parents["g0_real~aug0"] == "g0_real"


def test_codec_features_are_added_only_with_codec_cues(corpus: Corpus, tmp_path: Path) -> None:
    without, _, _ = _extract(corpus, tmp_path / "without")
    with_cues, _, _ = _extract(corpus, tmp_path / "with", params=FeatureParams(codec_cues=True))
    assert not set(CODEC_FEATURES) & set(without.columns)
    assert with_cues.columns == [*without.columns, *CODEC_FEATURES]
    assert np.isfinite(with_cues.select(CODEC_FEATURES).to_numpy()).all()


def test_a_second_run_computes_nothing_and_returns_the_same_table(corpus: Corpus, tmp_path: Path) -> None:
    first, _, _ = _extract(corpus, tmp_path / "cache")
    again, rejects, computed = _extract(corpus, tmp_path / "cache")
    assert (computed, rejects.height) == (0, 0)
    assert_frame_equal(again, first)


def test_removing_a_video_from_the_inputs_removes_its_cache_file(corpus: Corpus, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _extract(corpus, cache)
    tasks = [t for t in feature_tasks(corpus.videos, corpus.copies, corpus.clips) if t["video_id"] != "g1_fake"]
    table, _, computed = _extract(corpus, cache, tasks=tasks)
    assert computed == 0 and "g1_fake" not in table["video_id"].to_list()
    assert not list(cache.glob("g1_fake-*"))
    assert len(list(cache.glob("g1_fake~aug0-*"))) == 1  # its copy is still an input
    assert len(list(cache.iterdir())) == 15


def test_one_and_two_workers_give_identical_tables(corpus: Corpus, tmp_path: Path) -> None:
    one, _, _ = _extract(corpus, tmp_path / "one", workers=1)
    two, _, _ = _extract(corpus, tmp_path / "two", workers=2)
    assert_frame_equal(one, two)


def test_a_copys_features_differ_from_its_parents(corpus: Corpus, tmp_path: Path) -> None:
    table, _, _ = _extract(corpus, tmp_path / "cache")
    features = [*VIDEO_FEATURES, *CLIP_FEATURES]
    by_id = {row["video_id"]: row for row in table.iter_rows(named=True)}
    for copy in corpus.copies["video_id"]:
        parent = by_id[copy.split("~")[0]]
        assert any(not math.isclose(by_id[copy][f], parent[f]) for f in features), copy


def test_a_copys_clip_has_its_parents_shape(corpus: Corpus) -> None:
    clips = {row["video_id"]: row for row in corpus.clips.iter_rows(named=True)}
    assert len(clips) == 16
    for copy in corpus.copies["video_id"]:
        parent = copy.split("~")[0]
        assert clips[copy]["parent_id"] == parent
        shapes = [np.load(corpus.clip_root / clips[v]["file"]).shape for v in (copy, parent)]
        assert shapes[0] == shapes[1] == (4, 32, 32, 3)


def test_a_second_scale_run_decodes_nothing(corpus: Corpus) -> None:
    again, _, computed = scale_corpus(
        corpus.videos, params=SCALE, root=corpus.root, out_dir=corpus.clip_root, workers=1, copies=corpus.copies
    )
    assert computed == 0
    assert_frame_equal(again, corpus.clips)


def test_scale_shards_partition_the_clips(corpus: Corpus, tmp_path: Path) -> None:
    shards = [
        scale_corpus(
            corpus.videos,
            params=SCALE,
            root=corpus.root,
            out_dir=tmp_path / f"shard{i}",  # each shard owns its folder: a shard removes files it does not map to
            workers=1,
            copies=corpus.copies,
            shard=Shard(i, 2),
        )[0]
        for i in range(2)
    ]
    assert all(s.height for s in shards)
    assert not set(shards[0]["video_id"]) & set(shards[1]["video_id"])
    assert_frame_equal(pl.concat(shards).sort("video_id"), corpus.clips.sort("video_id"))


def test_a_damaged_clip_is_a_reject_and_is_retried_once_remade(corpus: Corpus, tmp_path: Path) -> None:
    row = corpus.clips.row(0, named=True)
    clip = corpus.clip_root / row["file"]
    good = clip.read_bytes()
    clip.write_bytes(good[: len(good) // 2])
    table, rejects, _ = _extract(corpus, tmp_path / "cache")
    assert table.height == 15 and rejects["video_id"].to_list() == [row["video_id"]]
    assert rejects["reason"].item().startswith(f"cannot read {clip.name} (damaged clip array: ")
    clip.write_bytes(good)
    table, rejects, computed = _extract(corpus, tmp_path / "cache")
    assert (table.height, rejects.height, computed) == (16, 0, 1)
