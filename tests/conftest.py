"""Shared fixtures: tiny videos written with PyAV, and a corpus folder with a manifest."""

from __future__ import annotations

import csv
from pathlib import Path

import av
import numpy as np
import pytest

from tests.trained import trained  # noqa: F401  (a session fixture: the tiny fold ensemble)


def write_video(
    path: Path,
    *,
    width: int = 32,
    height: int = 24,
    frames: int = 6,
    fps: int = 10,
    codec: str = "libx264",
    pix_fmt: str = "yuv420p",
    rotation: int | None = None,
    seed: int = 0,
) -> Path:
    """Write a small video of smooth random frames; returns ``path``."""
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        if rotation is not None:
            stream.set_display_rotation(rotation)
        base = rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
        for t in range(frames):
            img = np.roll(base, t, axis=1)
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def write_manifest(root: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    """Write ``root/manifest.csv`` with ``rows``; returns its path."""
    columns = columns or ["video_id", "path", "label", "group", "method", "source"]
    path = root / "manifest.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """A corpus of 8 tiny videos in 4 groups (a real and a fake each); returns the manifest path."""
    root = tmp_path / "raw"
    rows = []
    for g in range(4):
        for label in ("real", "fake"):
            vid = f"g{g}_{label}"
            write_video(root / "videos" / f"{vid}.mp4", seed=g * 2 + (label == "fake"))
            rows.append(
                {
                    "video_id": vid,
                    "path": f"videos/{vid}.mp4",
                    "label": label,
                    "group": f"g{g}",
                    "method": "",
                    "source": "s",
                }
            )
    return write_manifest(root, rows)
