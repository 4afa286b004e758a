"""Applying recipes: the temporal index map, the spatial ops on (T, H, W, 3) uint8 clips, and materialising a copy.

Spatial ops run on the clip as one float32 video tensor (T, C, H, W) in [0, 1] with
``torchvision.transforms.v2.functional``, so every frame gets the same geometry and colour change. Pixels are
rounded to uint8 once, at the end (the uint8 kernels convert to float and round inside every op: slower, and
the roundings add up). Parameters are resolution-independent and are converted to pixels by each op
(``fvc.augment.ops``), from each clip's own size; any size works, down to 1x1.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from fvc.augment.face import FaceRegion, needs_face
from fvc.augment.recipe import Recipe
from fvc.augment.registry import op_spec
from fvc.errors import FvcError

FaceTrack = Callable[[np.ndarray], FaceRegion]  # face(parent_indices) -> the face in those frames (fvc.augment.face)


def temporal_index_map(recipe: Recipe, frame_count: int) -> np.ndarray:
    """Which parent frame each copy frame shows: copy frame j is parent frame ``map[j]``.

    No temporal op: ``arange(frame_count)``; otherwise the op's own map (``fvc.augment.ops``: reverse,
    frame_drop, frame_duplicate). Returns a non-empty int64 array with values in [0, frame_count).
    Raises ValueError if frame_count < 1.
    """
    if frame_count < 1:
        raise ValueError(f"frame_count={frame_count}: a video has at least one frame")
    op = recipe.temporal_op
    if op is None:
        return np.arange(frame_count, dtype=np.int64)
    return op_spec(op.name).apply(frame_count, op.params)


def augmented_frame_count(recipe: Recipe, parent_frame_count: int) -> int:
    """The number of frames of the copy of a parent with ``parent_frame_count`` frames (always >= 1)."""
    return len(temporal_index_map(recipe, parent_frame_count))


def apply_spatial(
    frames: np.ndarray, recipe: Recipe, *, frame_ids: np.ndarray | None = None, face: FaceRegion | None = None
) -> np.ndarray:
    """Apply the recipe's spatial ops, in order, to a clip: (T, H, W, 3) uint8 -> a new array of that shape.

    Geometry and colour parameters are the same for every frame. Per-frame randomness (noise) is seeded by the
    op's seed and the frame's id from ``frame_ids`` (non-negative ints, one per frame; default 0..T-1):
    ``materialise`` passes parent frame indices, so a frame gets the same noise however the copy is sampled.
    ``face`` is the face in each of the T frames, which face-needing ops (``selfblend``) blend.
    Raises ValueError for any other shape or dtype, or frame_ids of the wrong length; FvcError for a recipe
    with a face-needing op and no ``face``, or a ``face`` of another length than the clip.
    """
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8 or 0 in frames.shape[1:3]:
        raise ValueError(f"frames: expected a (T, H, W, 3) uint8 array, got {frames.shape} {frames.dtype}")
    ids = np.arange(len(frames), dtype=np.int64) if frame_ids is None else np.asarray(frame_ids, dtype=np.int64)
    if ids.shape != (len(frames),) or (ids < 0).any():
        raise ValueError(f"frame_ids: expected {len(frames)} non-negative integers, got shape {ids.shape}")
    ops = recipe.spatial_ops
    faced = [op.name for op in ops if op_spec(op.name).needs_face]
    if faced and face is None:
        raise FvcError(
            f"augment recipe: op {faced[0]!r} needs the face in every frame, and none was given"
            " (pass face= to materialise; fvc.augment.needs_face tells which copies need one)"
        )
    if face is not None and len(face) != len(frames):
        raise FvcError(f"augment: the face region has {len(face)} frames; the clip has {len(frames)}")
    if not ops or len(frames) == 0:
        return frames.copy()
    # (T, C, H, W) indexing over the (T, H, W, C) memory (channels-last): no transposes, and convolutions
    # (the blur) run ~2x faster on it. from_numpy needs positive strides and warns on read-only arrays.
    source = np.ascontiguousarray(frames)
    source = source if source.flags.writeable else source.copy()
    video = torch.from_numpy(source).permute(0, 3, 1, 2).to(torch.float32).div_(255)
    for op in ops:
        spec = op_spec(op.name)
        video = spec.apply(video, op.params, ids, face) if spec.needs_face else spec.apply(video, op.params, ids)
    out = video.mul(255).round_().clamp_(0, 255).to(torch.uint8)
    return np.ascontiguousarray(out.permute(0, 2, 3, 1).numpy())


def materialise(
    read: Callable[[np.ndarray], np.ndarray],
    recipe: Recipe,
    copy_indices: np.ndarray,
    parent_frame_count: int,
    *,
    face: FaceTrack | None = None,
) -> np.ndarray:
    """The copy's frames at ``copy_indices`` (any order, repeats allowed), as (len, H, W, 3) uint8, in that order.

    ``read(indices)`` decodes the parent's frames at sorted, unique ``indices`` and returns (len, H, W, 3) uint8
    at whatever size the caller wants (e.g. ``lambda i: read_frames(path, i, height=h, width=w)[0]``); each
    parent frame is read once, then gathered back into copy order (``reverse`` wants descending parent frames,
    duplicates repeat them) and the spatial ops are applied. ``face`` is None or ``face(indices) -> FaceRegion``,
    called with the same indices as ``read`` and giving the face in the coordinates of the frames ``read``
    returns; it is called only when the recipe needs a face (``fvc.augment.needs_face``). Raises ValueError for
    an empty or out-of-range ``copy_indices``, or a ``read`` that returns the wrong number of frames; FvcError
    for a recipe that needs a face when ``face`` is None, or a face of the wrong length.
    """
    index_map = temporal_index_map(recipe, parent_frame_count)
    copy_indices = np.asarray(copy_indices, dtype=np.int64)
    if copy_indices.ndim != 1 or len(copy_indices) == 0:
        raise ValueError(f"copy_indices: expected a non-empty 1-D array, got shape {copy_indices.shape}")
    if copy_indices.min() < 0 or copy_indices.max() >= len(index_map):
        raise ValueError(
            f"copy_indices span [{copy_indices.min()}, {copy_indices.max()}]; the copy has {len(index_map)} frames"
        )
    parent = index_map[copy_indices]
    wanted, inverse = np.unique(parent, return_inverse=True)
    frames = np.asarray(read(wanted))
    if len(frames) != len(wanted):
        raise ValueError(f"read returned {len(frames)} frames for {len(wanted)} indices")
    region = None
    if face is not None and needs_face(recipe):
        region = face(wanted)
        if len(region) != len(wanted):
            raise FvcError(f"augment: the face track gave {len(region)} frames for {len(wanted)} indices")
        region = region.take(inverse)
    return apply_spatial(frames[inverse], recipe, frame_ids=parent, face=region)
