"""Features: the handcrafted features (fvc.features) of every video and augmented copy, one row each.

Video features come from ``feature_frame_count`` frames spread over the whole video at its own resolution;
clip features from the video's scaled clip (its picture only, without letterbox bars); codec features from the
probe, only with ``features.codec_cues`` (they describe the platform, not the manipulation). Each row is cached
as a small JSON file named by a key of the video's content, recipe, clip, params and code, in a folder the stage
owns, so a rerun computes only new or changed videos and a killed run loses at most the videos in flight.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

import numpy as np
import polars as pl

import fvc.augment
import fvc.clips
import fvc.features
import fvc.video
from fvc.atomic import write_text
from fvc.clips import clip_tasks, frame_count, sampled_frames
from fvc.errors import FvcError
from fvc.features import (
    CLIP_FEATURES,
    CODEC_FEATURES,
    VIDEO_FEATURES,
    clip_features,
    codec_features,
    video_features,
)
from fvc.pervideo.cachekey import cache_key, code_digest
from fvc.pervideo.pool import map_with_cache
from fvc.schema import REJECTS
from fvc.video import VideoError, feature_frame_count

_CODE = (fvc.video, fvc.augment, fvc.features, fvc.clips, sys.modules[__name__])


@dataclass(frozen=True)
class FeatureParams:
    codec_cues: bool  # add CODEC_FEATURES (bit rate, fps, pixels): shortcut risks, off by default


def feature_schema(params: FeatureParams) -> dict[str, pl.DataType]:
    """Columns of data/features/features.parquet: ids, then VIDEO_FEATURES, CLIP_FEATURES, [CODEC_FEATURES]."""
    columns = [*VIDEO_FEATURES, *CLIP_FEATURES, *(CODEC_FEATURES if params.codec_cues else ())]
    return {"video_id": pl.String, "parent_id": pl.String, **dict.fromkeys(columns, pl.Float64)}


def features_one(task: dict, *, params: FeatureParams, root: str, clip_root: str, cache_dir: str) -> dict | str:
    """The feature row of one video or copy (a clip task from scale plus its clip's ``clip_file``, relative to
    ``clip_root``), cached in ``cache_dir``; or a reject reason.
    """
    cached = Path(cache_dir) / task["cache_file"]
    if cached.exists():
        return json.loads(cached.read_text(encoding="utf-8"))
    try:
        frames = sampled_frames(
            task,
            root,
            num_frames=feature_frame_count(frame_count(task)),
            snippet=1,
            height=task["height"],
            width=task["width"],
            interpolation="area",
        )
        clip = np.load(Path(clip_root) / task["clip_file"])
    except VideoError as err:
        return str(err)
    except (OSError, ValueError) as err:
        return f"cannot read {task['clip_file']} or the video ({type(err).__name__}: {str(err)[:120]})"
    top = (clip.shape[1] - task["content_height"]) // 2
    left = (clip.shape[2] - task["content_width"]) // 2
    picture = clip[:, top : top + task["content_height"], left : left + task["content_width"]]
    row = {"video_id": task["video_id"], "parent_id": task["parent_id"], **video_features(frames)}
    row |= clip_features(picture)
    if params.codec_cues:
        row |= codec_features(*(task[k] for k in ("size_bytes", "duration_s", "fps", "width", "height")))
    write_text(json.dumps(row), cached)
    return row


def extract_features(
    tasks: list[dict],
    *,
    params: FeatureParams,
    root: str | os.PathLike,
    clip_root: str | os.PathLike,
    cache_dir: str | os.PathLike,
    workers: int,
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Features of every task (clip tasks of scale joined with their clips' rows), reusing cached rows.

    Returns (features (feature_schema), rejects (schema REJECTS), number computed this run). Cache files no
    task maps to are removed. Raises FvcError if tasks exist but none gave features.
    """
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    code = code_digest(*_CODE)
    tasks = [
        {
            **t,
            "cache_file": f"{t['video_id']}-"
            + cache_key(clip=t["clip_file"], recipe=t.get("recipe"), params=asdict(params), code=code)
            + ".json",
        }
        for t in tasks
    ]
    expected = {t["cache_file"] for t in tasks}
    for stale in cache_dir.iterdir():  # removed videos, changed params or code, temporaries of a killed run
        if stale.name not in expected:
            stale.unlink()
    worker = partial(features_one, params=params, root=str(root), clip_root=str(clip_root), cache_dir=str(cache_dir))
    results, todo = map_with_cache(
        worker, tasks, cached=lambda t: (cache_dir / t["cache_file"]).exists(), workers=workers, desc="features"
    )
    rows = [r for r in results if isinstance(r, dict)]
    rejects = [
        {"video_id": t["video_id"], "path": t["path"], "reason": r}
        for t, r in zip(tasks, results, strict=True)
        if isinstance(r, str)
    ]
    if tasks and not rows:
        raise FvcError(f"features: no video gave features ({len(rejects)} rejected)")
    return pl.DataFrame(rows, schema=feature_schema(params)), pl.DataFrame(rejects, schema=REJECTS), todo


def feature_tasks(videos: pl.DataFrame, copies: pl.DataFrame | None, clips: pl.DataFrame) -> list[dict]:
    """One task per video and copy that has a scaled clip: its clip task (fvc.clips.clip_tasks) plus the
    clip's ``clip_file`` (relative to the clip root), ``content_height`` and ``content_width``.
    """
    by_id = {row["video_id"]: row for row in clips.iter_rows(named=True)}
    return [
        {
            **task,
            "clip_file": by_id[task["video_id"]]["file"],
            "content_height": by_id[task["video_id"]]["content_height"],
            "content_width": by_id[task["video_id"]]["content_width"],
        }
        for task in clip_tasks(videos, copies, key=lambda content: "")
        if task["video_id"] in by_id
    ]
