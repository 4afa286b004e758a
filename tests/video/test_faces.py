"""Face tracks: MTCNN finds the main face, the track is steady on a moving face, missed frames are filled, and
the still crop box keeps the margin, the aspect ratio and the frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fvc.video import sample_frame_indices
from fvc.video.faces import Detections, FaceTrack, crop_box, follow_main_face, track_face
from tests.face_videos import write_face_video, write_faceless_video


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    lo, hi = np.maximum(a[:, :2], b[:, :2]), np.minimum(a[:, 2:], b[:, 2:])
    inter = np.prod(np.clip(hi - lo, 0, None), axis=1)
    area = lambda x: np.prod(x[:, 2:] - x[:, :2], axis=1)  # noqa: E731
    return inter / (area(a) + area(b) - inter)


def _det(*boxes: tuple[float, float, float, float], probs: tuple[float, ...] | None = None) -> Detections:
    b = np.array(boxes, dtype=np.float32).reshape(-1, 4)
    p = np.array(probs or [0.99] * len(b), dtype=np.float32)
    return Detections(b, p, np.zeros((len(b), 5, 2), np.float32))


def test_a_moving_face_gives_a_steady_box_on_the_true_face(tmp_path: Path) -> None:
    truth = write_face_video(tmp_path / "face.mp4", frames=12)
    indices = sample_frame_indices(12, 8, 4)
    track = track_face(tmp_path / "face.mp4", indices, height=120, width=160, detect_size=320, min_face=0.1)
    assert track.found and track.detected.all() and list(track.frames) == sorted(set(indices.tolist()))
    boxes = track.boxes * [160, 120, 160, 120]
    true = truth[track.frames]
    assert _iou(boxes, true).min() > 0.6
    # The face moves 4 px a frame; the box follows it without jitter: its offset from the truth stays put.
    offset = (boxes[:, :2] + boxes[:, 2:]) / 2 - (true[:, :2] + true[:, 2:]) / 2
    assert offset.std(axis=0).max() < 2.0
    # Landmarks lie inside the box: eyes above the mouth.
    marks = track.landmarks * [160, 120]
    assert ((marks >= boxes[:, None, :2] - 2) & (marks <= boxes[:, None, 2:] + 2)).all()
    assert (marks[:, :2, 1].mean(axis=1) < marks[:, 3:, 1].mean(axis=1)).all()


def test_a_faceless_video_has_no_face_and_says_so(tmp_path: Path) -> None:
    write_faceless_video(tmp_path / "noise.mp4")
    track = track_face(
        tmp_path / "noise.mp4", sample_frame_indices(12, 8, 4), height=120, width=160, detect_size=320, min_face=0.1
    )
    assert not track.found
    assert track.no_face_reason() == "no face found in 8 sampled frames"


def test_the_main_face_is_the_largest_then_the_nearest_to_the_last_box() -> None:
    big, small_far = (40, 40, 80, 80), (0, 0, 20, 20)
    detections = [_det(small_far, (42, 40, 82, 80)), _det(big, small_far), _det(), _det(small_far)]
    # Frame 1's big face is the anchor; frame 0 takes its neighbour, not the small face; frame 2 has none; the
    # small face in frame 3 is too far from the last box to be the same face.
    assert follow_main_face(detections) == [1, 0, None, None]


def test_missed_frames_are_interpolated_and_one_outlier_is_smoothed_away(tmp_path: Path, monkeypatch) -> None:
    import fvc.video.faces as faces

    boxes = [(10 + 2 * t, 10, 50 + 2 * t, 50) for t in range(6)]
    dets = [_det(b) for b in boxes]
    dets[2] = _det()  # missed
    dets[4] = _det((14 + 16, 10, 54 + 16, 50))  # an outlier 8 px right (within the gate)
    monkeypatch.setattr(faces, "read_frames", lambda *a, **k: (np.zeros((6, 100, 100, 3), np.uint8), 6))
    monkeypatch.setattr(faces, "detect_faces", lambda frames, **k: dets)
    track = track_face(tmp_path / "any.mp4", np.arange(6), height=100, width=100, detect_size=320, min_face=0.1)
    assert track.detected.tolist() == [True, True, False, True, True, True]
    x0 = track.boxes[:, 0] * 100
    assert x0[2] == pytest.approx(14, abs=0.01)  # between its neighbours 12 and 16
    assert x0[4] == pytest.approx(20, abs=0.01)  # the median of 16, 30, 20


def _track(*boxes: tuple[float, float, float, float]) -> FaceTrack:
    n = len(boxes)
    marks = np.tile(np.array([[0.4, 0.4], [0.6, 0.4], [0.5, 0.5], [0.42, 0.6], [0.58, 0.6]], np.float32), (n, 1, 1))
    return FaceTrack(np.arange(n) * 10, np.array(boxes, np.float32), marks, np.ones(n, bool))


def test_the_crop_is_the_union_of_the_boxes_grown_by_the_margin() -> None:
    track = _track((0.4, 0.4, 0.6, 0.6), (0.5, 0.4, 0.7, 0.6))  # 200x100 frame: boxes 40x20 px, moving 20 px
    # Each box grown 1.5x about its centre (60x30), then their union: x 70..150, y 35..65.
    assert crop_box(track, 100, 200, 1.5) == (70, 35, 150, 65)
    assert crop_box(track, 100, 200, 1.0) == (80, 40, 140, 60)


def test_a_crop_over_the_border_is_shifted_inside_and_cut_to_the_frame() -> None:
    near_edge = _track((0.0, 0.3, 0.2, 0.7))  # 100x100 frame, face at the left edge
    assert crop_box(near_edge, 100, 100, 1.5) == (0, 20, 30, 80)  # 30x60: shifted right, aspect kept
    huge = _track((0.1, 0.0, 0.9, 1.0))
    assert crop_box(huge, 100, 100, 2.0) == (0, 0, 100, 100)  # larger than the frame: cut to it


def test_the_track_maps_into_a_cropped_read_and_between_sampled_frames() -> None:
    track = _track((0.4, 0.4, 0.6, 0.6), (0.5, 0.4, 0.7, 0.6))  # frames 0 and 10
    boxes, _ = track.at(np.array([0, 5, 10, 20]))
    np.testing.assert_allclose(boxes[:, 0], [0.4, 0.45, 0.5, 0.5], atol=1e-6)  # held past the last frame
    region = track.region(np.array([0, 10]), crop=(70, 35, 150, 65), height=100, width=200)
    np.testing.assert_allclose(region.boxes[0], [10 / 80, 5 / 30, 50 / 80, 25 / 30], atol=1e-6)
    np.testing.assert_allclose(region.landmarks[0, 0], [(80 - 70) / 80, (40 - 35) / 30], atol=1e-6)
    assert FaceTrack.from_json(track.to_json()).to_json() == track.to_json()
