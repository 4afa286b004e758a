"""Tiny videos with and without a face, for the face-track tests: the astronaut (scikit-image) panned under a
moving window, with the face's true box in every frame; and a faceless gradient with noise."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import av
import numpy as np

ASTRONAUT_FACE = np.array([174.0, 76.0, 280.0, 190.0])  # fvc.synth.sources.FACE_BOXES["astronaut"], 512x512


@cache
def _astronaut(side: int) -> np.ndarray:
    from skimage import data
    from skimage.transform import resize

    return (resize(data.astronaut(), (side, side), anti_aliasing=True) * 255).astype(np.uint8)


def _write(path: Path, frames: list[np.ndarray], fps: int = 10) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    height, width = frames[0].shape[:2]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def write_face_video(
    path: Path, *, frames: int = 12, width: int = 160, height: int = 120, step: tuple[int, int] = (4, 2)
) -> np.ndarray:
    """Write a video of a 256-px astronaut seen through a ``width`` x ``height`` window that moves ``step``
    pixels (x, y) a frame; returns the face's true boxes (frames, 4) x0, y0, x1, y1 in the video's pixels."""
    scene = _astronaut(256)
    face = ASTRONAUT_FACE / 2
    pictures, boxes = [], []
    for t in range(frames):
        ox, oy = 10 + step[0] * t, 5 + step[1] * t
        pictures.append(scene[oy : oy + height, ox : ox + width])
        boxes.append(face - [ox, oy, ox, oy])
    _write(path, pictures)
    return np.array(boxes)


def write_faceless_video(path: Path, *, frames: int = 12, width: int = 160, height: int = 120) -> Path:
    """Write a video of a moving colour gradient with noise (no face anywhere)."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:height, 0:width]
    pictures = []
    for t in range(frames):
        base = np.stack([xx * 255 / width, yy * 255 / height, (xx + yy + 3 * t) % 256], axis=-1)
        pictures.append(np.clip(base + rng.normal(0, 8, base.shape), 0, 255).astype(np.uint8))
    return _write(path, pictures)
