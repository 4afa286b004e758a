"""Hostile videos through ingest, scale and features: each gets its documented outcome, never an exception.

The outcome table is ``HOSTILE_VIDEOS`` in hostile.py. Every corpus holds a good video beside the hostile one,
so each test also checks that the rest of the corpus goes on.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import polars as pl
import pytest

from fvc.augment import ALL_OPS
from fvc.augment.plan import AugmentParams, plan_copies
from fvc.clips import scale_corpus
from fvc.features.extract import FeatureParams, extract_features, feature_tasks
from tests.conftest import write_video
from tests.robustness.conftest import GOOD_ID
from tests.robustness.hostile import HOSTILE_VIDEOS, SCALE, Hostile, variable_frame_rate

REPO = Path(__file__).resolve().parents[2]
ACCEPTED = [case for case in HOSTILE_VIDEOS if case.ingest == "accepted"]


def _case(case_id: str) -> Hostile:
    return next(case for case in HOSTILE_VIDEOS if case.id == case_id)


@pytest.mark.parametrize("case", HOSTILE_VIDEOS, ids=lambda case: case.id)
def test_ingest_outcome(case: Hostile, hostile_corpus) -> None:
    manifest, result = hostile_corpus(case)
    accepted = result.videos["video_id"].to_list()
    reasons = dict(zip(result.rejects["video_id"], result.rejects["reason"], strict=True))
    assert GOOD_ID in accepted
    if case.ingest == "accepted":
        assert case.id in accepted and case.id not in reasons
    else:
        assert case.id not in accepted
        assert case.reason in reasons[case.id]
        # One line, and independent of where the corpus lives (rejects.parquet is a DVC output).
        assert "\n" not in reasons[case.id] and str(manifest.parent) not in reasons[case.id]


@pytest.mark.parametrize("case", ACCEPTED, ids=lambda case: case.id)
def test_scale_outcome(case: Hostile, hostile_corpus, tmp_path: Path) -> None:
    manifest, result = hostile_corpus(case)
    clips, rejects, _ = scale_corpus(result.videos, params=SCALE, root=manifest.parent, out_dir=tmp_path, workers=1)
    assert GOOD_ID in clips["video_id"].to_list()
    if case.clip_hw is None:
        reason = rejects.filter(pl.col("video_id") == case.id)["reason"].to_list()
        assert len(reason) == 1 and case.scale_reason in reason[0]
        return
    row = clips.filter(pl.col("video_id") == case.id).row(0, named=True)
    clip = np.load(tmp_path / row["file"])
    h, w = case.clip_hw
    assert clip.shape == (SCALE.frames, h, w, 3) and clip.dtype == np.uint8
    assert h % SCALE.multiple_of == 0 and w % SCALE.multiple_of == 0
    assert (row["height"], row["width"]) == (h, w)
    assert clip.std() > 0  # picture, not a blank canvas


@pytest.mark.parametrize("case", [c for c in ACCEPTED if c.clip_hw is not None], ids=lambda case: case.id)
def test_features_outcome(case: Hostile, hostile_corpus, tmp_path: Path) -> None:
    # Every scaled video and its augmented copy get finite features (video features at the file's own
    # resolution, clip features on the clip), or a reject with a reason; never an exception.
    manifest, result = hostile_corpus(case)
    videos = result.videos.filter(pl.col("video_id") == case.id)
    folds = videos.select("video_id", "group", "label").with_columns(pl.lit(0, dtype=pl.Int32).alias("fold"))
    copies = plan_copies(folds, params=AugmentParams(copies=1, spatial_ops=3, temporal_prob=1.0, ops=ALL_OPS), seed=0)
    clips, _, _ = scale_corpus(
        videos, copies=copies, params=SCALE, root=manifest.parent, out_dir=tmp_path / "clips", workers=1
    )
    features, rejects, _ = extract_features(
        feature_tasks(videos, copies, clips),
        params=FeatureParams(codec_cues=True),
        root=manifest.parent,
        clip_root=tmp_path / "clips",
        cache_dir=tmp_path / "cache",
        workers=1,
    )
    assert rejects.height == 0, rejects.to_dicts()
    assert sorted(features["video_id"]) == [case.id, f"{case.id}~aug0"]
    values = features.drop("video_id", "parent_id").to_numpy()
    assert np.isfinite(values).all()


@pytest.mark.parametrize(
    ("case_id", "column", "value"),
    [
        ("one_frame", "frame_count", 1),
        ("tiny_2x2_yuv444", "width", 2),
        ("wide_640x16", "height", 16),
        ("ten_bit_h264", "pix_fmt", "yuv420p10le"),
        ("ten_bit_ffv1", "pix_fmt", "yuv420p10le"),
        ("gray_ffv1", "pix_fmt", "gray"),
        ("vp9_webm", "codec", "vp9"),
        ("hevc_mp4", "codec", "hevc"),
        ("rotated_90", "rotation", 90),
        ("rotated_90", "width", 32),  # displayed: 64x32 coded, turned a quarter
        ("rotated_90", "height", 64),
        ("variable_frame_rate", "frame_count", 20),
        ("long_3000_frames", "frame_count", 3000),
        ("at_max_4096x2160", "width", 4096),
    ],
)
def test_probe_records_the_odd_property(case_id: str, column: str, value, hostile_corpus) -> None:
    _, result = hostile_corpus(_case(case_id))
    assert result.videos.filter(pl.col("video_id") == case_id)[column].item() == value


def test_truncated_file_counts_only_the_frames_present(hostile_corpus) -> None:
    # The index lists 30 frames; half the file holds about 15. Sampling must spread over those, not over 30.
    _, result = hostile_corpus(_case("truncated_after_moov"))
    assert 10 <= result.videos.filter(pl.col("video_id") == "truncated_after_moov")["frame_count"].item() < 20


def test_variable_frame_rate_fixture_is_variable(tmp_path: Path) -> None:
    path = variable_frame_rate(tmp_path)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        pts = sorted(p.pts for p in container.demux(stream) if p.pts is not None)
    gaps = {round(float((b - a) * stream.time_base), 3) for a, b in zip(pts, pts[1:], strict=False)}
    assert len(gaps) > 5 and min(gaps) <= 0.01 and max(gaps) >= 0.5


def test_gray_video_scales_to_gray_rgb(hostile_corpus, tmp_path: Path) -> None:
    manifest, result = hostile_corpus(_case("gray_ffv1"))
    videos = result.videos.filter(pl.col("video_id") == "gray_ffv1")
    clips, _, _ = scale_corpus(videos, params=SCALE, root=manifest.parent, out_dir=tmp_path, workers=1)
    clip = np.load(tmp_path / clips["file"].item()).astype(np.int16)
    assert np.abs(clip[..., 0] - clip[..., 1]).max() <= 2 and np.abs(clip[..., 1] - clip[..., 2]).max() <= 2


# Run in a fresh interpreter so that ru_maxrss (a high-water mark) starts low: growth is then this decode's.
MEMORY_PROBE = """
import json, resource, sys
import numpy as np
from fvc.video import probe_video, read_frames, sample_frame_indices
path = sys.argv[1]
read_frames(path, np.arange(8), height=192, width=256)  # warm up: decoder, scaler and buffer pools set up
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
indices = sample_frame_indices(probe_video(path, max_pixels=10**6).frame_count, 8, 4)
frames, decoded = read_frames(path, indices, height=192, width=256)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"growth_kib": after - before, "shape": frames.shape, "decoded": decoded, "last": int(indices[-1])}))
"""


def test_long_video_decodes_in_flat_memory(tmp_path: Path) -> None:
    path = write_video(tmp_path / "long.mp4", frames=3000)  # 32x24
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(path)], capture_output=True, text=True, timeout=120, cwd=REPO
    )
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["shape"] == [8, 192, 256, 3]
    assert report["decoded"] == report["last"] + 1 > 2000  # it streamed three quarters of the way through
    # Keeping every decoded frame at the output size would take 2252 x 192 x 256 x 3 bytes = 330 MiB.
    assert report["growth_kib"] < 16 * 1024
