"""The shortcut audit flags a corpus that metadata alone separates, passes one where it cannot, and reads the
encoder's rate setting from the file."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from fvc.corpus.ingest import ingest
from fvc.errors import FvcError
from fvc.evaluate.audit import audit, metadata_table, rate_setting
from fvc.folds import stratified_group_folds
from fvc.synth import build_plan, generate_corpus
from tests.conftest import write_manifest, write_video

LOGREG = {"C": 1.0, "max_correlation": 0.95}


def _corpus(root: Path, fake_size: tuple[int, int] | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """12 groups of a real and a fake. ``fake_size`` (w, h): fakes are encoded at that size (a planted shortcut);
    None: each fake is a byte copy of its real twin, so no metadata can differ."""
    rows = []
    for g in range(12):
        real = write_video(root / f"g{g}_real.mp4", width=32, height=24, frames=6, seed=g)
        if fake_size is None:
            shutil.copy(real, root / f"g{g}_fake.mp4")
        else:
            write_video(root / f"g{g}_fake.mp4", width=fake_size[0], height=fake_size[1], frames=6, seed=100 + g)
        for label in ("real", "fake"):
            rows.append({"video_id": f"g{g}_{label}", "path": f"g{g}_{label}.mp4", "label": label, "group": f"g{g}"})
    write_manifest(root, rows)
    videos = ingest(root, max_pixels=10**7, workers=1).videos
    return videos, stratified_group_folds(videos, n_splits=3, group_column="group", seed=42)


def _audit(
    videos: pl.DataFrame, folds: pl.DataFrame, root: Path, features: pl.DataFrame | None = None, null: int = 0
) -> dict:
    return audit(
        videos, folds, features, root=root, seed=42, logreg_options=LOGREG, max_metadata_auc=0.6,
        null_permutations=null,
    )  # fmt: skip


def test_a_planted_resolution_shortcut_is_flagged(tmp_path: Path) -> None:
    videos, folds = _corpus(tmp_path, fake_size=(64, 48))
    report = _audit(videos, folds, tmp_path)
    assert report["metadata_auc"] > 0.95 and report["warning"] is True
    assert report["n"] == 24 and "features" not in report


def test_twins_with_identical_metadata_pass(tmp_path: Path) -> None:
    videos, folds = _corpus(tmp_path, fake_size=None)
    report = _audit(videos, folds, tmp_path)
    assert report["metadata_linear"]["auc_roc"] == pytest.approx(0.5)
    assert report["metadata_auc"] <= 0.6 and report["warning"] is False


def test_the_null_band_places_a_planted_shortcut_outside_it_and_identical_twins_inside(tmp_path: Path) -> None:
    videos, folds = _corpus(tmp_path / "planted", fake_size=(64, 48))
    null = _audit(videos, folds, tmp_path / "planted", null=20)["metadata_null"]
    assert null["permutations"] == 20 and null["p_value"] == 1 / 21  # no shuffle reaches the observed AUC
    assert null["q95_auc_roc"] < 0.9
    videos, folds = _corpus(tmp_path / "copies", fake_size=None)
    report = _audit(videos, folds, tmp_path / "copies", null=20)
    assert report["metadata_null"]["p_value"] == 1.0  # swapping identical twins changes nothing
    assert "metadata_null" not in _audit(videos, folds, tmp_path / "copies")  # 0 permutations: no null


def test_a_bad_permutation_count_is_a_user_error(tmp_path: Path) -> None:
    videos, folds = _corpus(tmp_path, fake_size=None)
    with pytest.raises(FvcError, match="null_permutations must be a non-negative integer, got -1"):
        _audit(videos, folds, tmp_path, null=-1)


def test_peer_columns_compare_a_video_with_the_same_sized_videos_of_its_group_only(tmp_path: Path) -> None:
    videos, _ = _corpus(tmp_path, fake_size=(32, 24))  # twins of one size, different content: different sizes
    odd = write_video(tmp_path / "g0_odd.mp4", width=48, height=24, frames=6, seed=7)  # in g0, but no peer
    odd_row = videos.filter(pl.col("video_id") == "g0_real").with_columns(
        pl.lit("g0_odd").alias("video_id"), pl.lit(odd.name).alias("path"), pl.lit(48).cast(pl.Int32).alias("width"),
        pl.lit(odd.stat().st_size).cast(pl.Int64).alias("size_bytes"),
    )  # fmt: skip
    table = metadata_table(pl.concat([videos, odd_row]), tmp_path)
    col = dict(zip(table["video_id"], table["size_vs_peers"], strict=True))
    for g in range(12):
        real, fake = (tmp_path / f"g{g}_{label}.mp4" for label in ("real", "fake"))
        log_ratio = math.log(fake.stat().st_size / real.stat().st_size)
        assert col[f"g{g}_fake"] == pytest.approx(log_ratio / 2) and col[f"g{g}_real"] == pytest.approx(-log_ratio / 2)
    assert col["g0_odd"] == 0.0  # alone in its (group, size, fps, length): nothing to compare with
    assert set(table["rate_vs_peers"].to_list()) == {0.0}  # every file has the same rate setting


def test_the_features_probe_scores_the_handcrafted_features_of_videos_not_copies(tmp_path: Path) -> None:
    videos, folds = _corpus(tmp_path, fake_size=None)
    rng = np.random.default_rng(0)
    fake = (videos.sort("video_id")["label"] == "fake").to_numpy()
    originals = pl.DataFrame(
        {
            "video_id": videos.sort("video_id")["video_id"],
            "parent_id": videos.sort("video_id")["video_id"],
            "noise_energy": fake * 2.0 + rng.normal(0, 0.1, len(fake)),  # separates perfectly
            "texture": rng.normal(0, 1, len(fake)),
        }
    )
    copies = originals.with_columns(
        (pl.col("video_id") + "~aug0").alias("video_id"), (-pl.col("noise_energy")).alias("noise_energy")
    )  # copies invert the feature: counting them would break the separation
    report = _audit(videos, folds, tmp_path, features=pl.concat([originals, copies]))
    assert report["features"]["auc_roc"] == 1.0


def test_the_rate_setting_is_read_from_an_x264_stream_and_missing_elsewhere(tmp_path: Path) -> None:
    generate_corpus(tmp_path / "raw", size="tiny", workers=1, progress=False)
    for r in build_plan(0, "tiny"):  # the synth records each rendition's constant bit rate (x264's bitrate=)
        for label in ("real", "fake"):
            assert rate_setting(tmp_path / "raw" / "videos" / f"{r.video_id(label)}.mp4") == r.bitrate_kbps
    (tmp_path / "notes.mp4").write_bytes(b"crf=20 but no encoder options\n")
    assert math.isnan(rate_setting(tmp_path / "notes.mp4"))
    assert math.isnan(rate_setting(tmp_path / "missing.mp4"))
