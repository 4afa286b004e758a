"""Scale: sample T frames per video, resize keeping the aspect ratio, and cache each clip as a uint8 array.

Each clip is ``<video_id>-<key>.npy`` of shape (T, H, W, 3), where ``key`` hashes the video's content hash and
every parameter that shapes the clip. The stage owns its cache (a DVC ``persist`` output): a clip whose file
already exists is not recomputed, and files no current video maps to are removed, so a rerun after adding
1% more videos costs about 1% of a full run.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import asdict, dataclass
from fractions import Fraction
from functools import partial
from pathlib import Path

import numpy as np
import polars as pl

from fvc.atomic import atomic_path
from fvc.errors import FvcError
from fvc.parallel import parallel_map
from fvc.schema import REJECTS
from fvc.video import INTERPOLATIONS, VideoError, read_frames, sample_frame_indices

CLIPS = {
    "video_id": pl.String,
    "file": pl.String,  # clip file name inside the clip folder
    "frames": pl.Int32,  # T
    "snippet": pl.Int32,  # consecutive frames per snippet: T = snippets x snippet, snippets in time order
    "height": pl.Int32,  # H of the stored array (the canvas, if letterboxed)
    "width": pl.Int32,  # W of the stored array
    "content_height": pl.Int32,  # rows holding picture (equals height unless letterboxed)
    "content_width": pl.Int32,
}


@dataclass(frozen=True)
class ScaleParams:
    frames: int  # T, sampled uniformly over the whole video
    snippet: int  # consecutive frames per snippet (1: T single frames)
    max_dim: int  # the longer side after resizing
    multiple_of: int  # both sides rounded to a multiple of this (the network's total stride)
    interpolation: str  # area | bilinear
    letterbox: bool  # pad onto a max_dim x max_dim canvas, as the origin did (for comparison only)

    def __post_init__(self) -> None:
        if self.frames < 1:
            raise FvcError(f"params.yaml: scale.frames = {self.frames}, expected >= 1")
        if self.snippet < 1 or self.frames % self.snippet:
            raise FvcError(
                f"params.yaml: scale.snippet = {self.snippet} must be >= 1 and divide scale.frames = {self.frames}"
            )
        if self.multiple_of < 1 or self.max_dim < self.multiple_of:
            raise FvcError(
                f"params.yaml: scale.max_dim = {self.max_dim} must be >= scale.multiple_of = {self.multiple_of} >= 1"
            )
        if self.interpolation not in INTERPOLATIONS:
            raise FvcError(f"params.yaml: scale.interpolation = {self.interpolation!r}, expected area or bilinear")

    def key(self, content_hash: str) -> str:
        blob = json.dumps({"content": content_hash, **asdict(self)}, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def scaled_size(height: int, width: int, *, max_dim: int, multiple_of: int) -> tuple[int, int]:
    """(H, W) with the longer side at ``max_dim`` and the aspect ratio kept, each side rounded to the nearest
    multiple of ``multiple_of`` (at least one multiple), so every stride of the network divides it."""
    longest = max(height, width)

    def fit(side: int) -> int:
        # Exact rationals: a float ratio would round exact halves (16:9 at 256 -> 144 = 4.5 x 32) either way.
        return max(
            multiple_of, math.floor(Fraction(side * max_dim, longest * multiple_of) + Fraction(1, 2)) * multiple_of
        )

    return fit(height), fit(width)


def letterbox(frames: np.ndarray, size: int) -> np.ndarray:
    """Centre (T, h, w, 3) frames on a black ``size`` x ``size`` canvas (the origin's square input)."""
    t, h, w, c = frames.shape
    canvas = np.zeros((t, size, size, c), dtype=frames.dtype)
    top, left = (size - h) // 2, (size - w) // 2
    canvas[:, top : top + h, left : left + w] = frames
    return canvas


def scale_one(task: dict, *, params: ScaleParams, root: str, out_dir: str) -> dict | str:
    """Scale one video (a row of the video index plus ``file``); returns a CLIPS row, or a reject reason."""
    target = Path(out_dir) / task["file"]
    h, w = scaled_size(task["height"], task["width"], max_dim=params.max_dim, multiple_of=params.multiple_of)
    try:
        # An existing file has the same content hash and params in its name: it is this clip.
        if not target.exists():
            frames, _ = read_frames(
                Path(root) / task["path"],
                sample_frame_indices(task["frame_count"], params.frames, params.snippet),
                height=h,
                width=w,
                rotation=task["rotation"],
                interpolation=params.interpolation,
            )
            if params.letterbox:
                frames = letterbox(frames, params.max_dim)
            with atomic_path(target) as tmp:
                with open(tmp, "wb") as fh:
                    np.save(fh, frames)
    except VideoError as err:
        return str(err)
    except OSError as err:
        return f"cannot read file ({err.strerror or type(err).__name__})"
    side = params.max_dim if params.letterbox else None
    return {
        "video_id": task["video_id"],
        "file": task["file"],
        "frames": params.frames,
        "snippet": params.snippet,
        "height": side or h,
        "width": side or w,
        "content_height": h,
        "content_width": w,
    }


def scale_corpus(
    videos: pl.DataFrame, *, params: ScaleParams, root: str | os.PathLike, out_dir: str | os.PathLike, workers: int
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Scale every video of the index into ``out_dir``, reusing clips already there.

    Returns (clips (schema CLIPS), rejects (video_id, path, reason), number of clips computed this run).
    Removes files in ``out_dir`` that no current video maps to. Raises FvcError if no clip could be made.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tasks = [
        {**row, "file": f"{row['video_id']}-{params.key(row['content_hash'])}.npy"}
        for row in videos.sort("video_id").iter_rows(named=True)
    ]
    expected = {t["file"] for t in tasks}
    for stale in out_dir.iterdir():  # removed videos, changed params, and temporaries of a killed run
        if stale.name not in expected:
            stale.unlink()
    todo = sum(not (out_dir / t["file"]).exists() for t in tasks)
    results = parallel_map(
        partial(scale_one, params=params, root=str(root), out_dir=str(out_dir)), tasks, workers=workers, desc="scale"
    )
    rows = [r for r in results if isinstance(r, dict)]
    rejects = [
        {"video_id": t["video_id"], "path": t["path"], "reason": r}
        for t, r in zip(tasks, results, strict=True)
        if isinstance(r, str)
    ]
    if not rows:
        raise FvcError(f"scale: no video could be scaled ({len(rejects)} rejected)")
    clips = pl.DataFrame(rows, schema=CLIPS)
    rejected = pl.DataFrame(rejects, schema=REJECTS)
    return clips, rejected, todo
