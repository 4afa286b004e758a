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
from pathlib import Path

import numpy as np
import polars as pl

import fvc.augment
import fvc.video
from fvc.atomic import atomic_path
from fvc.augment import Recipe, augmented_frame_count, materialise
from fvc.errors import FvcError
from fvc.pervideo.cachekey import cache_key, code_digest
from fvc.pervideo.engine import Task, require_accepted, run_per_video
from fvc.pervideo.shards import UNSHARDED, Shard
from fvc.schema import CLIPS
from fvc.video import INTERPOLATIONS, read_frames, sample_frame_indices

_CODE = (fvc.video, fvc.augment, sys.modules[__name__])  # the code that computes a clip


@dataclass(frozen=True)
class ScaleParams:
    frames: int  # T, sampled uniformly over the whole video
    snippet: int  # consecutive frames per snippet (1: T single frames)
    max_dim: int  # the longer side after resizing
    multiple_of: int  # both sides rounded to a multiple of this (the network's total stride)
    interpolation: str  # area | bilinear
    letterbox: bool  # pad onto a max_dim x max_dim canvas, as the origin did (for comparison only)

    def __post_init__(self) -> None:
        # Built from params.yaml's section as written (fvc.params.load_section): check the types first.
        for name in ("frames", "snippet", "max_dim", "multiple_of"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise FvcError(f"params.yaml: scale.{name} = {value!r}, expected an integer")
        if not isinstance(self.letterbox, bool):
            raise FvcError(f"params.yaml: scale.letterbox = {self.letterbox!r}, expected true or false")
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
        if not isinstance(self.interpolation, str) or self.interpolation not in INTERPOLATIONS:
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


def clip_of(task: dict, root: str | os.PathLike, params: ScaleParams) -> np.ndarray:
    """The clip a model sees for the video (or copy) of ``task``: (T, H, W, 3) uint8, T = ``params.frames``.

    ``task`` is a probe row (fvc.video.Probe.as_row: height, width, rotation, frame_count) with ``path`` relative
    to ``root``, and optionally ``recipe``. The one preprocessing of scale and of ``fvc predict``. Raises
    VideoError if nothing decodes, OSError if the file cannot be read.
    """
    h, w = scaled_size(task["height"], task["width"], max_dim=params.max_dim, multiple_of=params.multiple_of)
    frames = sampled_frames(
        task,
        root,
        num_frames=params.frames,
        snippet=params.snippet,
        height=h,
        width=w,
        interpolation=params.interpolation,
    )
    return letterbox(frames, params.max_dim) if params.letterbox else frames


@dataclass(frozen=True)
class ScaleStep:
    """The per-video step of scale: one clip task (see clip_tasks) into its entry, the clip's .npy file."""

    params: ScaleParams
    root: str  # the corpus root the tasks' paths are relative to

    def compute(self, task: dict, entry: Path) -> dict:
        """Decode, resize (and letterbox) the task's frames into ``entry``; its CLIPS row. VideoError if the
        frames do not decode, OSError if the file cannot be read."""
        frames = clip_of(task, self.root, self.params)
        with atomic_path(entry) as tmp, open(tmp, "wb") as fh:
            np.save(fh, frames)
        return self.load(task, entry)

    def load(self, task: dict, entry: Path) -> dict:
        """The CLIPS row of the clip in ``entry`` (``file``: its name), from the task and params alone."""
        p = self.params
        h, w = scaled_size(task["height"], task["width"], max_dim=p.max_dim, multiple_of=p.multiple_of)
        side = p.max_dim if p.letterbox else None
        return {
            "video_id": task["video_id"],
            "parent_id": task["parent_id"],
            "file": entry.name,
            "frames": p.frames,
            "snippet": p.snippet,
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
    shard: Shard = UNSHARDED,
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Scale every video of the index, and every augmented copy in ``copies`` (schema AUGMENTED) whose parent
    is in ``videos``, of ``shard``, into ``out_dir`` (a folder the caller owns), reusing clips already there.

    Returns (clips (schema CLIPS), rejects (schema REJECTS), number of clips computed this run). Removes files in
    ``out_dir`` that no current video maps to. Raises FvcError if no clip could be made.
    """
    tasks = [Task(t["video_id"], t["path"], t, entry=t["file"]) for t in clip_tasks(videos, copies, params.key)]
    result = run_per_video(
        ScaleStep(params, str(root)), tasks, cache_dir=out_dir, workers=workers, desc="scale", shard=shard
    )
    require_accepted(len(result.rows), result.rejects, "scale")
    return pl.DataFrame(list(result.rows.values()), schema=CLIPS), result.rejects, result.computed
