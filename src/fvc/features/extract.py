"""Features: the handcrafted features (fvc.features) of every video and augmented copy, one row each.

Video features come from ``feature_frame_count`` frames spread over the whole video at its own resolution;
clip features from the video's scaled clip (its picture only, without letterbox bars); codec features from the
probe, only with ``features.codec_cues`` (they describe the platform, not the manipulation). Each row is cached
as a small JSON file named by a key of the video's content, recipe, clip, params and code, in a folder the stage
owns, so a rerun computes only new or changed videos and a killed run loses at most the videos in flight.
"""

from __future__ import annotations

import errno
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import polars as pl

import fvc.augment
import fvc.clips
import fvc.features
import fvc.video
from fvc.clips import clip_tasks, frame_count, sampled_frames
from fvc.errors import FvcError
from fvc.features import clip_features, codec_features, video_features
from fvc.pervideo.cachekey import cache_key, code_digest
from fvc.pervideo.engine import Task, load_json, require_accepted, run_per_video, save_json
from fvc.pervideo.shards import UNSHARDED, Shard
from fvc.schema import feature_schema
from fvc.video import feature_frame_count
from fvc.video.faces import FaceTrack

_CODE = (fvc.video, fvc.augment, fvc.features, fvc.clips, sys.modules[__name__])


@dataclass(frozen=True)
class FeatureParams:
    codec_cues: bool  # add CODEC_FEATURES (bit rate, fps, pixels): shortcut risks, off by default

    def __post_init__(self) -> None:
        if not isinstance(self.codec_cues, bool):
            raise FvcError(f"params.yaml: features.codec_cues = {self.codec_cues!r}, expected true or false")


@dataclass(frozen=True)
class FeatureStep:
    """The per-video step of features: one feature task (see feature_tasks) into its entry, the row as JSON."""

    params: FeatureParams
    root: str  # the corpus root the tasks' paths are relative to
    clip_root: str  # the folder the tasks' clip files are relative to

    def compute(self, task: dict, entry: Path | None) -> dict:
        """The feature row (schema feature_schema) of the task's video or copy. VideoError if its frames do not
        decode, OSError if the video or its clip cannot be read."""
        frames = sampled_frames(
            task,
            self.root,
            num_frames=feature_frame_count(frame_count(task)),
            snippet=1,
            height=task["height"],
            width=task["width"],
            interpolation="area",
            track=_load_track(Path(self.clip_root), task.get("face_track")),
        )
        clip = _load_clip(Path(self.clip_root) / task["clip_file"])
        top = (clip.shape[1] - task["content_height"]) // 2
        left = (clip.shape[2] - task["content_width"]) // 2
        picture = clip[:, top : top + task["content_height"], left : left + task["content_width"]]
        row = {"video_id": task["video_id"], "parent_id": task["parent_id"], **video_features(frames)}
        row |= clip_features(picture)
        if self.params.codec_cues:
            row |= codec_features(*(task[k] for k in ("size_bytes", "duration_s", "fps", "width", "height")))
        return save_json(row, entry)

    def load(self, task: dict, entry: Path) -> dict:
        return load_json(entry)


def extract_features(
    tasks: list[dict],
    *,
    params: FeatureParams,
    root: str | os.PathLike,
    clip_root: str | os.PathLike,
    cache_dir: str | os.PathLike,
    workers: int,
    shard: Shard = UNSHARDED,
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Features of every task of ``shard`` (see feature_tasks), each cached as ``<video_id>-<key>.json`` in
    ``cache_dir`` (a folder the caller owns), with ``key`` over its clip, recipe, params and code.

    Returns (features (feature_schema), rejects (schema REJECTS), number computed this run). Cache files no
    task maps to are removed. Raises FvcError if tasks exist but none gave features.
    """
    code = code_digest(*_CODE)
    jobs = [Task(t["video_id"], t["path"], t, entry=f"{t['video_id']}-{_key(t, params, code)}.json") for t in tasks]
    step = FeatureStep(params, str(root), str(clip_root))
    result = run_per_video(step, jobs, cache_dir=cache_dir, workers=workers, desc="features", shard=shard)
    require_accepted(len(result.rows), result.rejects, "features")
    table = pl.DataFrame(list(result.rows.values()), schema=feature_schema(params.codec_cues))
    return table, result.rejects, result.computed


def feature_tasks(videos: pl.DataFrame, copies: pl.DataFrame | None, clips: pl.DataFrame) -> list[dict]:
    """One task per video and copy that has a scaled clip: its clip task (fvc.clips.clip_tasks) plus the
    clip's ``clip_file`` (relative to the clip root), ``content_height``, ``content_width`` and ``face_track`` (the
    parent's face track file, relative to the clip root, or None), which a copy's face-needing ops receive.
    """
    by_id = {row["video_id"]: row for row in clips.iter_rows(named=True)}
    return [
        {
            **task,
            "clip_file": by_id[task["video_id"]]["file"],
            "content_height": by_id[task["video_id"]]["content_height"],
            "content_width": by_id[task["video_id"]]["content_width"],
            "face_track": by_id[task["video_id"]].get("face_track"),
        }
        for task in clip_tasks(videos, copies, key=lambda content: "")
        if task["video_id"] in by_id
    ]


def _key(task: dict, params: FeatureParams, code: str) -> str:
    # The clip's file name keys its video's content, recipe and scale params, so it stands for all of them.
    return cache_key(clip=task["clip_file"], recipe=task.get("recipe"), params=asdict(params), code=code)


def _load_track(clip_root: Path, name: str | None) -> FaceTrack | None:
    # Written by scale beside the clips; like a clip, an unreadable track is an OSError (the reject is not cached).
    return None if name is None else FaceTrack.from_json((clip_root / name).read_text(encoding="utf-8"))


def _load_clip(path: Path) -> np.ndarray:
    try:
        return np.load(path)
    except ValueError as err:
        # A damaged clip (a disk error, a hand edit) is an unreadable file, not a property of the video: as an
        # OSError its reject is not cached, so once the clip is remade (delete it, rerun scale) features retries.
        raise OSError(errno.EIO, f"damaged clip array: {str(err)[:120]}", str(path)) from None
