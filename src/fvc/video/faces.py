"""Face tracks: the main face of a video over its sampled frames, and the still crop box a face clip is cut from.

``track_face`` decodes the sampled frames at a detection size (``detection_size``), finds faces with MTCNN
(facenet-pytorch; its weights ship in the wheel, nothing is downloaded), follows the main face (the largest
confident one, then in each frame the detection nearest the previous box), fills frames where it was missed by
interpolating its neighbours, and smooths the boxes with a centred median over the sampled frames. The track is
stored in fractions of the displayed frame, so it maps onto any size the frames are read at: ``crop_box`` gives
one box for the whole video (a still crop: no jitter a model could learn), and ``FaceTrack.region`` maps the
face into the coordinates of frames read whole or cropped (``fvc.augment.face.FaceRegion``).
"""

from __future__ import annotations

import functools
import json
import math
import os
from dataclasses import dataclass

import numpy as np

from fvc.augment.face import FaceRegion
from fvc.video.decode import read_frames

MIN_CONFIDENCE = 0.9  # MTCNN's face probability below which a detection is ignored (its own last stage: 0.7)
PNET_WINDOW = 12  # MTCNN's smallest face in pixels (its first network's window): min_face_size below it is moot


def detection_size(height: int, width: int, detect_size: int) -> tuple[int, int]:
    """(h, w) the frames are decoded at for detection: the longer side at most ``detect_size``, aspect ratio kept
    (never upscaled: small faces gain nothing from it)."""
    scale = min(1.0, detect_size / max(height, width))
    return max(1, round(height * scale)), max(1, round(width * scale))


def min_face_pixels(height: int, width: int, min_face: float) -> int:
    """MTCNN's ``min_face_size`` for a (height, width) detection frame: ``min_face`` of its shorter side, at least
    PNET_WINDOW. MTCNN's image pyramid, and so its cost, grows as this shrinks (about 1/size^2)."""
    return max(PNET_WINDOW, round(min_face * min(height, width)))


@functools.cache
def _mtcnn(min_face_px: int):  # noqa: ANN202  (facenet_pytorch is imported lazily: only face tracks need it)
    # Only the detector module: facenet_pytorch's recognition model downloads its weights when built.
    from facenet_pytorch.models.mtcnn import MTCNN

    return MTCNN(keep_all=True, min_face_size=min_face_px, post_process=False, device="cpu").eval()


@dataclass(frozen=True)
class Detections:
    """The confident faces of one frame, in its pixels: boxes (k, 4) x0, y0, x1, y1; probs (k,); landmarks
    (k, 5, 2) (x, y) of left eye, right eye, nose, mouth left, mouth right."""

    boxes: np.ndarray
    probs: np.ndarray
    landmarks: np.ndarray


def detect_faces(frames: np.ndarray, *, min_face_px: int) -> list[Detections]:
    """The faces MTCNN finds in each of (N, H, W, 3) uint8 ``frames`` with probability >= MIN_CONFIDENCE."""
    import torch

    threads = torch.get_num_threads()
    # One thread, as in the stages' worker processes: a track (and so a crop box) must not depend on the caller.
    torch.set_num_threads(1)
    try:
        with torch.no_grad():
            boxes, probs, marks = _mtcnn(min_face_px).detect(np.ascontiguousarray(frames), landmarks=True)
    finally:
        torch.set_num_threads(threads)
    out = []
    for b, p, m in zip(boxes, probs, marks, strict=True):
        if b is None:  # detect() returns object arrays with None for a frame without faces
            out.append(
                Detections(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros((0, 5, 2), np.float32))
            )
            continue
        b, p, m = (np.asarray(a, dtype=np.float32) for a in (b, p, m))
        keep = p >= MIN_CONFIDENCE
        out.append(Detections(b[keep].reshape(-1, 4), p[keep], m[keep].reshape(-1, 5, 2)))
    return out


def follow_main_face(detections: list[Detections]) -> list[int | None]:
    """Which detection of each frame is the main face (None: missed). The anchor is the largest face over all
    frames (ties: the more confident); from it, each next (and previous) frame takes the detection whose centre
    is nearest the last kept box, if it lies within one box side of it; a farther one is another face."""
    chosen: list[int | None] = [None] * len(detections)
    candidates = [
        (_area(d.boxes[i]), float(d.probs[i]), t, i) for t, d in enumerate(detections) for i in range(len(d.probs))
    ]
    if not candidates:
        return chosen
    _, _, anchor, index = max(candidates)
    chosen[anchor] = index
    for order in (range(anchor + 1, len(detections)), range(anchor - 1, -1, -1)):
        last = detections[anchor].boxes[index]
        for t in order:
            boxes = detections[t].boxes
            if not len(boxes):
                continue
            dist = np.hypot(*(_centre(boxes) - _centre(last[None])).T)
            best = int(np.argmin(dist))
            if dist[best] <= max(last[2] - last[0], last[3] - last[1]):
                chosen[t], last = best, boxes[best]
    return chosen


def _area(box: np.ndarray) -> float:
    return float(max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1]))


def _centre(boxes: np.ndarray) -> np.ndarray:
    return np.stack([(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2], axis=1)


def _fill_and_smooth(values: np.ndarray, detected: np.ndarray) -> np.ndarray:
    """(N, D) ``values`` with the rows not ``detected`` interpolated from the detected ones (held at the ends),
    then a centred median of 3 over the rows (one outlying detection cannot move the box)."""
    rows = np.arange(len(values))
    filled = np.stack([np.interp(rows, rows[detected], values[detected, d]) for d in range(values.shape[1])], 1)
    return np.stack([np.median(filled[max(0, t - 1) : t + 2], axis=0) for t in rows]).astype(np.float32)


@dataclass(frozen=True)
class FaceTrack:
    """The main face in the sampled frames of one video, in fractions of the displayed frame (x / width, y / height).

    ``frames``: (N,) sorted unique frame indices the detector saw; ``boxes`` (N, 4) x0, y0, x1, y1 clipped to
    [0, 1] and ``landmarks`` (N, 5, 2), both filled and smoothed (zeros where no face was found at all);
    ``detected`` (N,) whether MTCNN found the face in that frame (False: interpolated).
    """

    frames: np.ndarray
    boxes: np.ndarray
    landmarks: np.ndarray
    detected: np.ndarray

    @property
    def found(self) -> bool:
        """Whether the face was found in at least one sampled frame."""
        return bool(self.detected.any())

    def no_face_reason(self) -> str:
        """The rejects table's reason for a video whose track found no face."""
        return f"no face found in {len(self.frames)} sampled frames"

    def at(self, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(boxes (n, 4), landmarks (n, 5, 2)) at any frame ``indices``: linear in the frame index between the
        sampled frames, held beyond the first and last (copies read other frames of their parent)."""
        x = np.asarray(indices, dtype=np.float64)
        boxes = np.stack([np.interp(x, self.frames, self.boxes[:, d]) for d in range(4)], 1)
        flat = self.landmarks.reshape(len(self.frames), -1)
        marks = np.stack([np.interp(x, self.frames, flat[:, d]) for d in range(flat.shape[1])], 1)
        return boxes.astype(np.float32), marks.reshape(-1, 5, 2).astype(np.float32)

    def region(
        self, indices: np.ndarray, crop: tuple[int, int, int, int] | None, height: int, width: int
    ) -> FaceRegion:
        """The face at frame ``indices`` in the coordinates of frames read whole (``crop`` None) or cropped to
        ``crop`` (x0, y0, x1, y1 pixels of the ``height`` x ``width`` displayed frame)."""
        boxes, marks = self.at(indices)
        if crop is not None:
            x0, y0, x1, y1 = crop
            offset = np.array([x0 / width, y0 / height], dtype=np.float32)
            span = np.array([(x1 - x0) / width, (y1 - y0) / height], dtype=np.float32)
            boxes = ((boxes.reshape(-1, 2, 2) - offset) / span).reshape(-1, 4)
            marks = (marks - offset) / span
        return FaceRegion(boxes=np.clip(boxes, 0.0, 1.0), landmarks=marks)

    def to_json(self) -> str:
        """The track as JSON (deterministic text: the cache entry scale stores)."""
        return json.dumps(
            {
                "frames": self.frames.tolist(),
                "boxes": self.boxes.tolist(),
                "landmarks": self.landmarks.tolist(),
                "detected": self.detected.tolist(),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> FaceTrack:
        """The track that ``to_json`` wrote."""
        d = json.loads(text)
        n = len(d["frames"])
        return cls(
            frames=np.asarray(d["frames"], dtype=np.int64),
            boxes=np.asarray(d["boxes"], dtype=np.float32).reshape(n, 4),
            landmarks=np.asarray(d["landmarks"], dtype=np.float32).reshape(n, 5, 2),
            detected=np.asarray(d["detected"], dtype=bool).reshape(n),
        )


def track_face(
    path: str | os.PathLike,
    indices: np.ndarray,
    *,
    height: int,
    width: int,
    rotation: int = 0,
    detect_size: int,
    min_face: float,
) -> FaceTrack:
    """The main face's track over the frames at ``indices`` of the video at ``path`` (displayed ``height`` x
    ``width``, ``rotation`` from probing), detected at ``detection_size(height, width, detect_size)`` with faces of
    at least ``min_face`` of the shorter side. A video without a face gives a track whose ``found`` is False.
    Raises VideoError if no frame decodes, OSError if the file cannot be read."""
    frames_at = np.unique(np.asarray(indices, dtype=np.int64))
    dh, dw = detection_size(height, width, detect_size)
    frames, _ = read_frames(path, frames_at, height=dh, width=dw, rotation=rotation, interpolation="area")
    detections = detect_faces(frames, min_face_px=min_face_pixels(dh, dw, min_face))
    chosen = follow_main_face(detections)
    detected = np.array([c is not None for c in chosen])
    n = len(frames_at)
    if not detected.any():
        return FaceTrack(frames_at, np.zeros((n, 4), np.float32), np.zeros((n, 5, 2), np.float32), detected)
    scale = np.array([dw, dh], dtype=np.float32)
    boxes = np.zeros((n, 4), np.float32)
    marks = np.zeros((n, 5, 2), np.float32)
    for t, c in enumerate(chosen):
        if c is not None:
            boxes[t] = np.clip(detections[t].boxes[c].reshape(2, 2) / scale, 0.0, 1.0).reshape(4)
            marks[t] = detections[t].landmarks[c] / scale
    boxes = _fill_and_smooth(boxes, detected)
    marks = _fill_and_smooth(marks.reshape(n, 10), detected).reshape(n, 5, 2)
    return FaceTrack(frames_at, boxes, marks, detected)


def crop_box(track: FaceTrack, height: int, width: int, margin: float) -> tuple[int, int, int, int]:
    """One crop box (x0, y0, x1, y1 pixels, x1/y1 exclusive) for every frame of a ``height`` x ``width`` video:
    the union of the track's boxes, each grown ``margin`` times about its centre, so the face with its margin is
    in every frame. Its aspect ratio is the grown union's; a side longer than the frame's is cut to the frame,
    and a box over the border is shifted inside (never padded). For a track whose face was found."""
    boxes = track.boxes.astype(np.float64) * [width, height, width, height]
    centre, half = (boxes[:, :2] + boxes[:, 2:]) / 2, (boxes[:, 2:] - boxes[:, :2]) * margin / 2
    lo, hi = (centre - half).min(axis=0), (centre + half).max(axis=0)
    box = []
    for a, b, side in ((lo[0], hi[0], width), (lo[1], hi[1], height)):
        size = min(side, max(1, math.ceil(round(b - a, 4))))  # round: float32 boxes give 30.000002
        start = min(max(0, round((a + b) / 2 - size / 2)), side - size)
        box.append((start, start + size))
    (x0, x1), (y0, y1) = box
    return x0, y0, x1, y1
