"""Scale with face tracks: clips cut to the face keep their aspect ratio and stride, a video without a face is
rejected with its reason or falls back to the full frame on record, tracks are cached and shared by copies."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import fvc.video.faces as faces
from fvc.augment import Op, Recipe
from fvc.augment.registry import op_spec
from fvc.clips import FACES, ScaleParams, scale_corpus
from fvc.corpus.ingest import ingest
from fvc.errors import FvcError
from fvc.schema import AUGMENTED
from tests.conftest import write_manifest
from tests.face_videos import write_face_video, write_faceless_video

OFF = ScaleParams(frames=4, snippet=2, max_dim=64, multiple_of=16, interpolation="area", letterbox=False)
CROP = replace(OFF, face_crop=True)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pl.DataFrame]:
    """(corpus root, its ingested videos): ``face`` (the moving astronaut, 160x120) and ``noise`` (no face)."""
    root = tmp_path_factory.mktemp("faces") / "raw"
    write_face_video(root / "face.mp4", frames=8)
    write_faceless_video(root / "noise.mp4", frames=8)
    rows = [
        {"video_id": v, "path": f"{v}.mp4", "label": "real", "group": v, "method": "", "source": v}
        for v in ("face", "noise")
    ]
    return root, ingest(write_manifest(root, rows), max_pixels=10**7, workers=1).videos


def _copies(*recipes: tuple[str, str, Recipe]) -> pl.DataFrame:
    rows = [
        {"video_id": f"{parent}~aug{i}", "parent_id": parent, "copy": i, "group": parent, "label": "fake"}
        | {"fold": 0, "ops": recipe.to_json()}
        for i, (parent, _, recipe) in enumerate(recipes)
    ]
    return pl.DataFrame(rows, schema=AUGMENTED)


def _count_detections(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    detect = faces.detect_faces

    def counted(frames: np.ndarray, **kw: int) -> list:
        calls.append(len(frames))
        return detect(frames, **kw)

    monkeypatch.setattr(faces, "detect_faces", counted)
    return calls


def test_face_clips_keep_the_crop_aspect_ratio_and_the_stride(corpus, tmp_path: Path) -> None:
    root, videos = corpus
    clips, rejects, _ = scale_corpus(videos, params=CROP, root=root, out_dir=tmp_path / "clips", workers=1)
    row = clips.row(0, named=True)
    assert (row["video_id"], row["face"]) == ("face", "detected")
    clip = np.load(tmp_path / "clips" / row["file"])
    assert clip.shape[1:3] == (row["height"], row["width"]) and max(clip.shape[1:3]) == 64
    assert clip.shape[1] % 16 == 0 and clip.shape[2] % 16 == 0
    track = faces.FaceTrack.from_json((tmp_path / "clips" / row["face_track"]).read_text())
    x0, y0, x1, y1 = faces.crop_box(track, 120, 160, CROP.face_margin)
    assert abs(clip.shape[1] / clip.shape[2] - (y1 - y0) / (x1 - x0)) < 16 / 64  # within one rounding step
    assert row["face_track"].startswith(f"{FACES}/face-")


def test_a_video_without_a_face_is_rejected_with_the_reason(corpus, tmp_path: Path) -> None:
    root, videos = corpus
    clips, rejects, _ = scale_corpus(videos, params=CROP, root=root, out_dir=tmp_path / "clips", workers=1)
    assert clips["video_id"].to_list() == ["face"]
    assert rejects.rows() == [("noise", "noise.mp4", "no face found in 4 sampled frames")]


def test_the_full_frame_fallback_is_recorded(corpus, tmp_path: Path) -> None:
    root, videos = corpus
    params = replace(CROP, face_fallback="full_frame")
    clips, rejects, _ = scale_corpus(videos, params=params, root=root, out_dir=tmp_path / "clips", workers=1)
    assert rejects.height == 0
    noise = clips.filter(pl.col("video_id") == "noise").row(0, named=True)
    assert (noise["face"], noise["height"], noise["width"]) == ("fallback", 48, 64)  # the whole 4:3 frame


def test_without_face_crop_nothing_is_detected_and_clips_say_off(corpus, tmp_path: Path, monkeypatch) -> None:
    root, videos = corpus
    calls = _count_detections(monkeypatch)
    clips, rejects, _ = scale_corpus(videos, params=OFF, root=root, out_dir=tmp_path / "clips", workers=1)
    assert calls == [] and set(clips["face"]) == {"off"} and clips["face_track"].null_count() == 2
    assert not (tmp_path / "clips" / FACES).exists()


def test_tracks_are_cached_and_copies_reuse_their_parents(corpus, tmp_path: Path, monkeypatch) -> None:
    root, videos = corpus
    copies = _copies(
        ("face", "hflip", Recipe((Op("hflip", {}),))),
        ("face", "reverse", Recipe((Op("reverse", {}),))),
    )
    calls = _count_detections(monkeypatch)
    out = tmp_path / "clips"
    first, _, computed = scale_corpus(videos, params=CROP, root=root, out_dir=out, workers=1, copies=copies)
    assert computed == 4 and len(calls) == 2  # one detection per video (face, noise), none for the copies
    assert first["face"].to_list() == ["detected"] * 3
    assert first["face_track"].n_unique() == 1 and set(first["height"]) == {first["height"][0]}  # one still crop
    again, _, computed = scale_corpus(videos, params=CROP, root=root, out_dir=out, workers=1, copies=copies)
    assert computed == 0 and len(calls) == 2 and again.equals(first)


def test_a_copy_that_needs_a_face_gets_its_parents_track_without_face_crop(corpus, tmp_path: Path, monkeypatch) -> None:
    root, videos = corpus
    spec = op_spec("selfblend")
    blend = Recipe((Op("selfblend", spec.draw(np.random.default_rng(0))),))
    copies = _copies(("face", "selfblend", blend), ("noise", "selfblend", blend))
    calls = _count_detections(monkeypatch)
    clips, rejects, _ = scale_corpus(
        videos, params=OFF, root=root, out_dir=tmp_path / "clips", workers=1, copies=copies
    )
    assert len(calls) == 2  # the two parents, on their full frames
    copy = clips.filter(pl.col("video_id") == "face~aug0").row(0, named=True)
    assert copy["face"] == "off" and copy["face_track"].startswith(f"{FACES}/face-")
    parent = np.load(tmp_path / "clips" / clips.filter(pl.col("video_id") == "face")["file"][0])
    blended = np.load(tmp_path / "clips" / copy["file"])
    changed = np.abs(blended.astype(int) - parent.astype(int)).max(axis=(0, 3)) > 0
    assert changed.any() and not changed[:, :8].any()  # only the face (right of the left edge) changes
    assert rejects.rows() == [
        ("noise~aug1", "noise.mp4", "no face found in 4 sampled frames (its copy's recipe needs one)")
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("face_crop", "yes", "scale.face_crop = 'yes', expected true or false"),
        ("face_margin", 0.5, "scale.face_margin = 0.5, expected a number in [1, 4]"),
        ("face_fallback", "skip", "scale.face_fallback = 'skip', expected reject or full_frame"),
        ("face_min_size", 0, "scale.face_min_size = 0, expected a fraction in (0, 1]"),
        ("face_detect_size", 8, "scale.face_detect_size = 8, expected an integer >= 32"),
    ],
)
def test_bad_face_params_name_the_parameter(field: str, value: object, message: str) -> None:
    with pytest.raises(FvcError, match=message.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
        replace(OFF, **{field: value})


def test_a_face_cropped_copy_gets_the_face_relative_to_the_crop(corpus, tmp_path: Path) -> None:
    root, videos = corpus
    blend = Recipe((Op("selfblend", op_spec("selfblend").draw(np.random.default_rng(1))),))
    copies = _copies(("face", "selfblend", blend))
    clips, _, _ = scale_corpus(videos, params=CROP, root=root, out_dir=tmp_path / "clips", workers=1, copies=copies)
    rows = {r["video_id"]: r for r in clips.iter_rows(named=True)}
    parent, blended = (np.load(tmp_path / "clips" / rows[v]["file"]).astype(int) for v in ("face", "face~aug0"))
    track = faces.FaceTrack.from_json((tmp_path / "clips" / rows["face"]["face_track"]).read_text())
    crop = faces.crop_box(track, 120, 160, CROP.face_margin)
    h, w = parent.shape[1:3]
    region = track.region(track.frames, crop, 120, 160)
    x0, y0 = (region.boxes[:, :2].min(axis=0) * [w, h]).astype(int)
    x1, y1 = np.ceil(region.boxes[:, 2:].max(axis=0) * [w, h]).astype(int)
    changed = np.abs(blended - parent).max(axis=(0, 3)) > 0
    assert changed[y0:y1, x0:x1].any()
    outside = changed.copy()
    outside[y0:y1, x0:x1] = False
    assert not outside.any()  # the mask stays inside the face box, in the crop's coordinates


def test_predict_applies_the_face_tracks_the_models_were_trained_with(corpus, tmp_path: Path, trained: dict) -> None:
    from fvc.checkpoint import read_checkpoint, save_checkpoint
    from fvc.predict import load_ensemble, score_clip, score_videos

    root, videos = corpus
    fold = tmp_path / "models" / "fold_0"
    fold.mkdir(parents=True)
    state = read_checkpoint(trained["work"] / "models" / "fold_0" / "best.pt")
    state["params"]["scale"] = {**state["params"]["scale"], "face_crop": True}
    save_checkpoint(fold / "best.pt", **state)
    ensemble = load_ensemble(tmp_path / "models")
    assert ensemble.scale.face_crop
    rows = {Path(r["path"]).name: r for r in score_videos([root / "face.mp4", root / "noise.mp4"], ensemble)}
    assert rows["noise.mp4"] == {"path": str(root / "noise.mp4"), "error": "no face found in 4 sampled frames"}
    assert rows["face.mp4"]["face"] == "detected"
    # The very clip the scale stage makes with the checkpoint's scale params: same face crop, same score.
    clips, _, _ = scale_corpus(videos, params=ensemble.scale, root=root, out_dir=tmp_path / "clips", workers=1)
    clip = np.load(tmp_path / "clips" / clips["file"][0])
    assert (rows["face.mp4"]["height"], rows["face.mp4"]["width"]) == clip.shape[1:3]
    assert rows["face.mp4"]["p_fake"] == pytest.approx(score_clip(clip, ensemble), abs=1e-6)


def test_tracks_and_face_clips_do_not_depend_on_the_worker_count(corpus, tmp_path: Path) -> None:
    root, videos = corpus
    params = replace(CROP, face_fallback="full_frame")
    one, _, _ = scale_corpus(videos, params=params, root=root, out_dir=tmp_path / "a", workers=1)
    two, _, _ = scale_corpus(videos, params=params, root=root, out_dir=tmp_path / "b", workers=2)
    assert one.equals(two)
    for name in [*one["file"], *one["face_track"]]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_features_materialise_a_face_needing_copy_with_the_scale_track(corpus, tmp_path: Path, monkeypatch) -> None:
    from fvc.features.extract import FeatureParams, extract_features, feature_tasks

    root, videos = corpus
    blend = Recipe((Op("selfblend", op_spec("selfblend").draw(np.random.default_rng(2))),))
    copies = _copies(("face", "selfblend", blend))
    clips, _, _ = scale_corpus(videos, params=OFF, root=root, out_dir=tmp_path / "clips", workers=1, copies=copies)
    calls = _count_detections(monkeypatch)
    table, rejects, _ = extract_features(
        feature_tasks(videos, copies, clips),
        params=FeatureParams(codec_cues=False),
        root=root,
        clip_root=tmp_path / "clips",
        cache_dir=tmp_path / "features",
        workers=1,
    )
    assert calls == [] and rejects.height == 0  # the track scale stored, not a new detection
    rows = {r["video_id"]: r for r in table.iter_rows(named=True)}
    assert rows["face~aug0"] != {**rows["face"], "video_id": "face~aug0"}
