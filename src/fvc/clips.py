"""Scale: sample T frames per video, crop to the face (``face_crop``), resize keeping the aspect ratio, and cache
each clip as a uint8 array.

Each clip is ``<video_id>-<key>.npy`` of shape (T, H, W, 3), where ``key`` hashes the video's content hash and
every parameter that shapes the clip. The stage owns its cache (a DVC ``persist`` output): a clip whose file
already exists is not recomputed, and files no current video maps to are removed, so a rerun after adding
1% more videos costs about 1% of a full run.

Face tracks (fvc.video.faces) are computed once per video, before the clips, into the cache's ``faces/`` folder
(``<video_id>-<key>.json``, keyed by the video's content, the detection params and the code): with
``face_crop`` for every video, without it only for the parents of copies whose recipe needs a face. A copy
uses its parent's track (never a detection on augmented pixels), mapped into the frames as read.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import polars as pl

import fvc.augment
import fvc.video
from fvc.atomic import atomic_path, write_text
from fvc.augment import Recipe, augmented_frame_count, materialise, needs_face
from fvc.errors import FvcError
from fvc.pervideo.cachekey import cache_key, code_digest
from fvc.pervideo.engine import Task, require_accepted, run_per_video
from fvc.pervideo.shards import UNSHARDED, Shard
from fvc.pervideo.stale import remove_stale_files
from fvc.schema import CLIPS
from fvc.video import INTERPOLATIONS, VideoError, read_frames, sample_frame_indices
from fvc.video.faces import FaceTrack, crop_box, track_face

FACE_FALLBACKS = ("reject", "full_frame")  # a video without a face: a reject, or its full frame (recorded)
FACES = "faces"  # the subfolder of a scale cache that holds the face tracks

_CODE = (fvc.video, fvc.augment, sys.modules[__name__])  # the code that computes a clip


@dataclass(frozen=True)
class ScaleParams:
    frames: int  # T, sampled uniformly over the whole video
    snippet: int  # consecutive frames per snippet (1: T single frames)
    max_dim: int  # the longer side after resizing
    multiple_of: int  # both sides rounded to a multiple of this (the network's total stride)
    interpolation: str  # area | bilinear
    letterbox: bool  # pad onto a max_dim x max_dim canvas, as the origin did (for comparison only)
    # Face tracks. Defaults: checkpoints trained before face tracks carry none of these, and used full frames.
    face_crop: bool = False  # crop every clip to its video's tracked main face
    face_margin: float = 1.3  # the crop box's side over the face box's
    face_fallback: str = "reject"  # a video without a face: reject | full_frame (recorded in clips.parquet's `face`)
    face_min_size: float = 0.1  # the smallest face sought, a fraction of the frame's shorter side
    face_detect_size: int = 320  # faces are detected on frames whose longer side is at most this

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
        self._check_face_params()

    def _check_face_params(self) -> None:
        if not isinstance(self.face_crop, bool):
            raise FvcError(f"params.yaml: scale.face_crop = {self.face_crop!r}, expected true or false")
        if not _number(self.face_margin) or not 1.0 <= self.face_margin <= 4.0:
            raise FvcError(f"params.yaml: scale.face_margin = {self.face_margin!r}, expected a number in [1, 4]")
        if self.face_fallback not in FACE_FALLBACKS:
            raise FvcError(
                f"params.yaml: scale.face_fallback = {self.face_fallback!r}, expected {' or '.join(FACE_FALLBACKS)}"
            )
        if not _number(self.face_min_size) or not 0.0 < self.face_min_size <= 1.0:
            raise FvcError(f"params.yaml: scale.face_min_size = {self.face_min_size!r}, expected a fraction in (0, 1]")
        size = self.face_detect_size
        if isinstance(size, bool) or not isinstance(size, int) or size < 32:
            raise FvcError(f"params.yaml: scale.face_detect_size = {size!r}, expected an integer >= 32 (pixels)")

    def key(self, content: str) -> str:
        """The cache key of a clip: its video's ``content`` (hash, plus recipe for a copy), params and code."""
        return cache_key(content=content, params=asdict(self), code=code_digest(*_CODE))

    def track_key(self, content_hash: str) -> str:
        """The cache key of a video's face track: its content, the params that shape the track, and the code."""
        detection = {k: getattr(self, k) for k in ("frames", "snippet", "face_min_size", "face_detect_size")}
        return cache_key(content=content_hash, params=detection, code=code_digest(fvc.video))


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


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
    crop: tuple[int, int, int, int] | None = None,
    track: FaceTrack | None = None,
) -> np.ndarray:
    """``num_frames`` frames (as snippets of ``snippet``, see sample_frame_indices) of the video or copy of
    ``task``, cut to ``crop`` (x0, y0, x1, y1 pixels of the displayed frame; None: whole) and resized to
    ``height`` x ``width``: (T, H, W, 3) uint8. A copy gets its parent's face ``track`` mapped into the frames
    as read (for face-needing ops). Raises VideoError if nothing decodes, or for a copy that needs a face its
    parent's track did not find.
    """
    indices = sample_frame_indices(frame_count(task), num_frames, snippet)
    path = Path(root) / task["path"]
    full = (task["height"], task["width"])

    def read(wanted: np.ndarray) -> np.ndarray:
        if crop is None:
            frames, _ = read_frames(
                path, wanted, height=height, width=width, rotation=task["rotation"], interpolation=interpolation
            )
            return frames
        frames, _ = read_frames(path, wanted, height=full[0], width=full[1], rotation=task["rotation"])
        x0, y0, x1, y1 = crop
        return resize_frames(frames[:, y0:y1, x0:x1], height, width, interpolation)

    if not task.get("recipe"):
        return read(indices)

    def face(wanted: np.ndarray):  # noqa: ANN202  (a FaceRegion; called after read, so decode errors come first)
        if track is None or not track.found:
            frames = len(track.frames) if track is not None else num_frames
            raise VideoError(f"no face found in {frames} sampled frames (its copy's recipe needs one)")
        return track.region(wanted, crop, *full)

    return materialise(read, Recipe.from_json(task["recipe"]), indices, task["frame_count"], face=face)


def resize_frames(frames: np.ndarray, height: int, width: int, interpolation: str) -> np.ndarray:
    """(T, h, w, 3) uint8 frames resized to ``height`` x ``width`` by FFmpeg's scaler with ``interpolation``, as
    the decoder resizes whole frames (fvc.video.decode)."""
    out = np.empty((len(frames), height, width, 3), dtype=np.uint8)
    for t, frame in enumerate(frames):
        picture = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
        out[t] = picture.reformat(
            width=width, height=height, format="rgb24", interpolation=INTERPOLATIONS[interpolation]
        ).to_ndarray()
    return out


def face_track_of(task: dict, root: str | os.PathLike, params: ScaleParams) -> FaceTrack:
    """The face track of the (parent) video of ``task`` over its sampled frames (see fvc.video.faces).
    Raises VideoError if nothing decodes, OSError if the file cannot be read."""
    return track_face(
        Path(root) / task["path"],
        sample_frame_indices(task["frame_count"], params.frames, params.snippet),
        height=task["height"],
        width=task["width"],
        rotation=task["rotation"],
        detect_size=params.face_detect_size,
        min_face=params.face_min_size,
    )


def face_framing(task: dict, params: ScaleParams, track: FaceTrack | None) -> tuple[str, tuple | None]:
    """(clips.parquet's ``face``, the crop box or None) of the video or copy of ``task`` whose (parent's) face
    track is ``track`` (required with ``face_crop``): ``off`` without face_crop; ``detected`` and the still crop
    box (fvc.video.faces.crop_box) for a found face; ``fallback`` and the full frame for a video without a face
    under ``face_fallback: full_frame``. Raises VideoError ("no face found in N sampled frames") under
    ``face_fallback: reject``."""
    if not params.face_crop:
        return "off", None
    if track is None:
        raise ValueError("face_framing: face_crop needs the video's face track")
    if track.found:
        return "detected", crop_box(track, task["height"], task["width"], params.face_margin)
    if params.face_fallback == "full_frame":
        return "fallback", None
    raise VideoError(track.no_face_reason())


def _source_size(task: dict, crop: tuple | None) -> tuple[int, int]:
    return (crop[3] - crop[1], crop[2] - crop[0]) if crop is not None else (task["height"], task["width"])


def clip_of(task: dict, root: str | os.PathLike, params: ScaleParams, track: FaceTrack | None = None) -> np.ndarray:
    """The clip a model sees for the video (or copy) of ``task``: (T, H, W, 3) uint8, T = ``params.frames``.

    ``task`` is a probe row (fvc.video.Probe.as_row: height, width, rotation, frame_count) with ``path`` relative
    to ``root``, and optionally ``recipe``. With ``face_crop`` the frames are cut to the face (``track``: the
    (parent) video's face track; None: detected here). The one preprocessing of scale and of ``fvc predict``.
    Raises VideoError if nothing decodes or no face is found (face_fallback: reject), OSError if the file cannot
    be read.
    """
    return framed_clip_of(task, root, params, track)[0]


def framed_clip_of(
    task: dict, root: str | os.PathLike, params: ScaleParams, track: FaceTrack | None = None
) -> tuple[np.ndarray, str]:
    """(clip_of's clip, how it was framed: clips.parquet's ``face``, see face_framing). Errors as clip_of."""
    if params.face_crop and track is None:
        track = face_track_of(task, root, params)
    face, crop = face_framing(task, params, track)
    h, w = scaled_size(*_source_size(task, crop), max_dim=params.max_dim, multiple_of=params.multiple_of)
    frames = sampled_frames(
        task,
        root,
        num_frames=params.frames,
        snippet=params.snippet,
        height=h,
        width=w,
        interpolation=params.interpolation,
        crop=crop,
        track=track,
    )
    return (letterbox(frames, params.max_dim) if params.letterbox else frames), face


def _track(task: dict) -> FaceTrack | None:
    return FaceTrack.from_json(task["face_track"]) if task.get("face_track") else None


@dataclass(frozen=True)
class ScaleStep:
    """The per-video step of scale: one clip task (see clip_tasks) into its entry, the clip's .npy file."""

    params: ScaleParams
    root: str  # the corpus root the tasks' paths are relative to

    def compute(self, task: dict, entry: Path) -> dict:
        """Decode, crop to the face, resize (and letterbox) the task's frames into ``entry``; its CLIPS row.
        VideoError if the frames do not decode or no face is found, OSError if the file cannot be read."""
        frames = clip_of(task, self.root, self.params, _track(task))
        with atomic_path(entry) as tmp, open(tmp, "wb") as fh:
            np.save(fh, frames)
        return self.load(task, entry)

    def load(self, task: dict, entry: Path) -> dict:
        """The CLIPS row of the clip in ``entry`` (``file``: its name), from the task and params alone."""
        p = self.params
        track = _track(task)
        if p.face_crop and track is None:  # the track failed this run (an OSError) but the clip was cached: redo it
            track = face_track_of(task, self.root, p)
        face, crop = face_framing(task, p, track)
        h, w = scaled_size(*_source_size(task, crop), max_dim=p.max_dim, multiple_of=p.multiple_of)
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
            "face": face,
            "face_track": task.get("face_track_file"),
        }


@dataclass(frozen=True)
class FaceTrackStep:
    """The per-video step of the face tracks: a (parent) video's track into its entry, as JSON."""

    params: ScaleParams
    root: str

    def compute(self, task: dict, entry: Path) -> str:
        """The track's JSON (fvc.video.faces.FaceTrack), also written to ``entry``. VideoError if nothing
        decodes, OSError if the file cannot be read."""
        text = face_track_of(task, self.root, self.params).to_json()
        write_text(text, entry)
        return text

    def load(self, task: dict, entry: Path) -> str:
        return entry.read_text(encoding="utf-8")


def face_tracks(
    tasks: list[dict], *, params: ScaleParams, root: str | os.PathLike, out_dir: str | os.PathLike, workers: int
) -> dict[str, tuple[str, str]]:
    """The face tracks the clip ``tasks`` need: every parent's with ``face_crop``, else the parents' of copies
    whose recipe needs a face (fvc.augment.needs_face), each computed once and cached in ``out_dir`` (a folder
    the caller owns) as ``<parent_id>-<track_key>.json``; other files there are removed.

    Returns parent_id -> (the track's file name, its JSON); a parent that does not decode is left out (its clips
    then meet the same error and are rejected with it).
    """
    wanted: dict[str, dict] = {}
    for t in tasks:
        if params.face_crop or (t["recipe"] and needs_face(Recipe.from_json(t["recipe"]))):
            wanted.setdefault(t["parent_id"], t)
    out_dir = Path(out_dir)
    if not wanted:
        if out_dir.is_dir():
            remove_stale_files(out_dir, ())
        return {}
    jobs = [
        Task(pid, t["path"], t, entry=f"{pid}-{params.track_key(t['content_hash'])}.json")
        for pid, t in sorted(wanted.items())
    ]
    result = run_per_video(FaceTrackStep(params, str(root)), jobs, cache_dir=out_dir, workers=workers, desc="faces")
    return {job.video_id: (job.entry, result.rows[job.video_id]) for job in jobs if job.video_id in result.rows}


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
    The face tracks the clips need go to ``out_dir/faces`` first (see face_tracks); each row's ``face_track``
    names its track relative to ``out_dir``.

    Returns (clips (schema CLIPS), rejects (schema REJECTS), number of clips computed this run). Removes files in
    ``out_dir`` that no current video maps to. Raises FvcError if no clip could be made.
    """
    todo = [t for t in clip_tasks(videos, copies, params.key) if shard.holds(t["video_id"])]
    tracks = face_tracks(todo, params=params, root=root, out_dir=Path(out_dir) / FACES, workers=workers)
    for t in todo:
        name, text = tracks.get(t["parent_id"], (None, None))
        t["face_track"], t["face_track_file"] = text, None if name is None else f"{FACES}/{name}"
    tasks = [Task(t["video_id"], t["path"], t, entry=t["file"]) for t in todo]
    result = run_per_video(
        ScaleStep(params, str(root)), tasks, cache_dir=out_dir, workers=workers, desc="scale", shard=shard
    )
    require_accepted(len(result.rows), result.rejects, "scale")
    return pl.DataFrame(list(result.rows.values()), schema=CLIPS), result.rejects, result.computed
