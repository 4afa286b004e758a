"""Scale: sample T frames per video, resize keeping the aspect ratio, and cache each clip as a uint8 array.

Each clip is ``<video_id>-<key>.npy`` of shape (T, H, W, 3), where ``key`` hashes the video's content hash and
every parameter that shapes the clip. The stage owns its cache (a DVC ``persist`` output): a clip whose file
already exists is not recomputed, and files no current video maps to are removed, so a rerun after adding
1% more videos costs about 1% of a full run.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from fractions import Fraction
from functools import partial
from pathlib import Path

import numpy as np
import polars as pl

import fvc.augment
import fvc.video
from fvc.atomic import atomic_path
from fvc.augment import Recipe, augmented_frame_count, materialise
from fvc.errors import FvcError
from fvc.pervideo.cachekey import cache_key, code_digest
from fvc.pervideo.pool import map_with_cache
from fvc.pervideo.shards import shard_of
from fvc.schema import REJECTS
from fvc.video import INTERPOLATIONS, VideoError, read_frames, sample_frame_indices

_CODE = (fvc.video, fvc.augment, sys.modules[__name__])  # the code that computes a clip

CLIPS = {
    "video_id": pl.String,
    "parent_id": pl.String,  # the video itself, or the parent of an augmented copy
    "file": pl.String,  # clip file path, relative to the folder holding clips.parquet
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

    def key(self, content: str) -> str:
        """The cache key of a clip: its video's ``content`` (hash, plus recipe for a copy), params and code."""
        return cache_key(content=content, params=asdict(self), code=code_digest(*_CODE))


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


def frame_count(task: dict) -> int:
    """The number of frames of the video (or copy) that ``task`` describes.

    ``task`` holds the probe row of the (parent) video and ``recipe`` (JSON, or None for an original).
    """
    if task.get("recipe"):
        return augmented_frame_count(Recipe.from_json(task["recipe"]), task["frame_count"])
    return task["frame_count"]


def sampled_frames(
    task: dict,
    root: str | os.PathLike,
    *,
    num_frames: int,
    snippet: int,
    height: int,
    width: int,
    interpolation: str,
) -> np.ndarray:
    """``num_frames`` frames (as snippets of ``snippet``, see sample_frame_indices) of the video or copy of
    ``task``, resized to ``height`` x ``width``: (T, H, W, 3) uint8. Raises VideoError if nothing decodes.
    """
    indices = sample_frame_indices(frame_count(task), num_frames, snippet)
    path = Path(root) / task["path"]

    def read(wanted: np.ndarray) -> np.ndarray:
        frames, _ = read_frames(
            path, wanted, height=height, width=width, rotation=task["rotation"], interpolation=interpolation
        )
        return frames

    if task.get("recipe"):
        return materialise(read, Recipe.from_json(task["recipe"]), indices, task["frame_count"])
    return read(indices)


def scale_one(task: dict, *, params: ScaleParams, root: str, out_dir: str) -> dict | str:
    """Scale one video or augmented copy (a probe row plus ``file``, ``parent_id`` and ``recipe``); returns a
    CLIPS row (``file`` relative to ``out_dir``), or a reject reason.
    """
    target = Path(out_dir) / task["file"]
    h, w = scaled_size(task["height"], task["width"], max_dim=params.max_dim, multiple_of=params.multiple_of)
    try:
        # An existing file has the same content hash, recipe and params in its name: it is this clip.
        if not target.exists():
            frames = sampled_frames(
                task,
                root,
                num_frames=params.frames,
                snippet=params.snippet,
                height=h,
                width=w,
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
        "parent_id": task["parent_id"],
        "file": task["file"],
        "frames": params.frames,
        "snippet": params.snippet,
        "height": side or h,
        "width": side or w,
        "content_height": h,
        "content_width": w,
    }


def clip_tasks(videos: pl.DataFrame, copies: pl.DataFrame | None, key: Callable[[str], str]) -> list[dict]:
    """One task per video and per augmented copy, sorted by video_id: the (parent's) probe row plus
    ``parent_id``, ``recipe`` (None for a video) and ``file`` = ``<video_id>-<key>.npy``, where ``key`` hashes the
    parent's content hash and, for a copy, its recipe.
    """
    tasks = [
        {
            **row,
            "parent_id": row["video_id"],
            "recipe": None,
            "file": f"{row['video_id']}-{key(row['content_hash'])}.npy",
        }
        for row in videos.iter_rows(named=True)
    ]
    if copies is not None and copies.height:
        parents = {row["video_id"]: row for row in videos.iter_rows(named=True)}
        for c in copies.iter_rows(named=True):
            parent = parents.get(c["parent_id"])
            if parent is None:  # the parent was rejected upstream: its copies go with it
                continue
            file = f"{c['video_id']}-{key(parent['content_hash'] + c['ops'])}.npy"
            tasks.append(
                {**parent, "video_id": c["video_id"], "parent_id": c["parent_id"], "recipe": c["ops"], "file": file}
            )
    return sorted(tasks, key=lambda t: t["video_id"])


def scale_corpus(
    videos: pl.DataFrame,
    *,
    params: ScaleParams,
    root: str | os.PathLike,
    out_dir: str | os.PathLike,
    workers: int,
    copies: pl.DataFrame | None = None,
    shard: tuple[int, int] = (0, 1),
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Scale every video of the index, and every augmented copy in ``copies`` (schema AUGMENTED) whose parent
    is in ``videos``, into ``out_dir``, reusing clips already there. ``shard = (i, n)`` keeps only the videos and
    copies of shard i of n (fvc.pervideo.shards).

    Returns (clips (schema CLIPS), rejects (video_id, path, reason), number of clips computed this run).
    Removes files in ``out_dir`` that no current video maps to. Raises FvcError if no clip could be made.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tasks = [t for t in clip_tasks(videos, copies, params.key) if shard_of(t["video_id"], shard[1]) == shard[0]]
    expected = {t["file"] for t in tasks}
    for stale in out_dir.iterdir():  # removed videos, changed params, and temporaries of a killed run
        if stale.name not in expected:
            stale.unlink()
    results, todo = map_with_cache(
        partial(scale_one, params=params, root=str(root), out_dir=str(out_dir)),
        tasks,
        cached=lambda t: (out_dir / t["file"]).exists(),
        workers=workers,
        desc="scale",
    )
    rows = [r for r in results if isinstance(r, dict)]
    rejects = [
        {"video_id": t["video_id"], "path": t["path"], "reason": r}
        for t, r in zip(tasks, results, strict=True)
        if isinstance(r, str)
    ]
    if not rows and tasks:
        raise FvcError(f"scale: no video could be scaled ({len(rejects)} rejected)")
    clips = pl.DataFrame(rows, schema=CLIPS)
    rejected = pl.DataFrame(rejects, schema=REJECTS)
    return clips, rejected, todo
