"""Applying recipes: the temporal index map, the spatial ops on (T, H, W, 3) uint8 clips, and materialising a copy.

Spatial ops run on the clip as one float32 video tensor (T, C, H, W) in [0, 1] with
``torchvision.transforms.v2.functional``, so every frame gets the same geometry and colour change. Pixels are
rounded to uint8 once, at the end (the uint8 kernels convert to float and round inside every op: slower, and
the roundings add up). Parameters are resolution-independent (see ``fvc.augment.recipe``) and are converted to
pixels here, from each clip's own size; any size works, down to 1x1.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as nnf
import torchvision.transforms.v2.functional as F
from torchvision.transforms import InterpolationMode

from fvc.augment.recipe import Op, Recipe

BILINEAR = InterpolationMode.BILINEAR  # geometric ops resample smoothly; nearest would add jagged edges (a cue)


def temporal_index_map(recipe: Recipe, frame_count: int) -> np.ndarray:
    """Which parent frame each copy frame shows: copy frame j is parent frame ``map[j]``.

    No temporal op: ``arange(frame_count)``. ``reverse``: j -> frame_count-1-j. ``frame_drop``: a ``fraction``
    of the frames (chosen by the op's ``seed``) removed, never all. ``frame_duplicate``: a ``fraction`` of the
    frames shown twice in a row. Returns a non-empty int64 array with values in [0, frame_count).
    Raises ValueError if frame_count < 1.
    """
    if frame_count < 1:
        raise ValueError(f"frame_count={frame_count}: a video has at least one frame")
    index = np.arange(frame_count, dtype=np.int64)
    op = recipe.temporal_op
    if op is None:
        return index
    if op.name == "reverse":
        return index[::-1].copy()
    rng = np.random.Generator(np.random.PCG64(op.params["seed"]))
    k = int(op.params["fraction"] * frame_count + 0.5)
    if op.name == "frame_drop":
        return np.delete(index, rng.choice(frame_count, size=min(k, frame_count - 1), replace=False))
    if op.name == "frame_duplicate":
        counts = np.ones(frame_count, dtype=np.int64)
        counts[rng.choice(frame_count, size=min(k, frame_count), replace=False)] = 2
        return np.repeat(index, counts)
    raise AssertionError(f"no index map for temporal op {op.name!r}")


def augmented_frame_count(recipe: Recipe, parent_frame_count: int) -> int:
    """The number of frames of the copy of a parent with ``parent_frame_count`` frames (always >= 1)."""
    return len(temporal_index_map(recipe, parent_frame_count))


def apply_spatial(frames: np.ndarray, recipe: Recipe, *, frame_ids: np.ndarray | None = None) -> np.ndarray:
    """Apply the recipe's spatial ops, in order, to a clip: (T, H, W, 3) uint8 -> a new array of that shape.

    Geometry and colour parameters are the same for every frame. Per-frame randomness (noise) is seeded by the
    op's seed and the frame's id from ``frame_ids`` (non-negative ints, one per frame; default 0..T-1):
    ``materialise`` passes parent frame indices, so a frame gets the same noise however the copy is sampled.
    Raises ValueError for any other shape or dtype, or frame_ids of the wrong length.
    """
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8 or 0 in frames.shape[1:3]:
        raise ValueError(f"frames: expected a (T, H, W, 3) uint8 array, got {frames.shape} {frames.dtype}")
    ids = np.arange(len(frames), dtype=np.int64) if frame_ids is None else np.asarray(frame_ids, dtype=np.int64)
    if ids.shape != (len(frames),) or (ids < 0).any():
        raise ValueError(f"frame_ids: expected {len(frames)} non-negative integers, got shape {ids.shape}")
    ops = recipe.spatial_ops
    if not ops or len(frames) == 0:
        return frames.copy()
    # (T, C, H, W) indexing over the (T, H, W, C) memory (channels-last): no transposes, and convolutions
    # (the blur) run ~2x faster on it. from_numpy needs positive strides and warns on read-only arrays.
    source = np.ascontiguousarray(frames)
    source = source if source.flags.writeable else source.copy()
    video = torch.from_numpy(source).permute(0, 3, 1, 2).to(torch.float32).div_(255)
    for op in ops:
        video = SPATIAL[op.name](video, op, ids)
    out = video.mul(255).round_().clamp_(0, 255).to(torch.uint8)
    return np.ascontiguousarray(out.permute(0, 2, 3, 1).numpy())


def materialise(
    read: Callable[[np.ndarray], np.ndarray],
    recipe: Recipe,
    copy_indices: np.ndarray,
    parent_frame_count: int,
) -> np.ndarray:
    """The copy's frames at ``copy_indices`` (any order, repeats allowed), as (len, H, W, 3) uint8, in that order.

    ``read(indices)`` decodes the parent's frames at sorted, unique ``indices`` and returns (len, H, W, 3) uint8
    at whatever size the caller wants (e.g. ``lambda i: read_frames(path, i, height=h, width=w)[0]``); each
    parent frame is read once, then gathered back into copy order (``reverse`` wants descending parent frames,
    duplicates repeat them) and the spatial ops are applied. Raises ValueError for an empty or out-of-range
    ``copy_indices``, or a ``read`` that returns the wrong number of frames.
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
    return apply_spatial(frames[inverse], recipe, frame_ids=parent)


# Each spatial op: (video (T, C, H, W) float32 in [0, 1], its Op, frame ids (T,)) -> video of that shape.
def _hflip(video: torch.Tensor, op: Op, ids: np.ndarray) -> torch.Tensor:
    return F.horizontal_flip(video)


def _rotation(video: torch.Tensor, op: Op, ids: np.ndarray) -> torch.Tensor:
    return F.rotate(video, op.params["angle_deg"], interpolation=BILINEAR)


def _affine(video: torch.Tensor, op: Op, ids: np.ndarray) -> torch.Tensor:
    height, width = video.shape[-2:]
    p = op.params
    translate = [p["translate_x"] * width, p["translate_y"] * height]
    return F.affine(
        video, angle=0.0, translate=translate, scale=p["scale"], shear=[p["shear_deg"], 0.0], interpolation=BILINEAR
    )


def _elastic(video: torch.Tensor, op: Op, ids: np.ndarray) -> torch.Tensor:
    # A smooth random field: uniform displacements at grid x grid control points, bicubically interpolated to
    # the frame. Drawn on the fixed grid, not per pixel, so it is the same warp at every resolution.
    height, width = video.shape[-2:]
    grid = int(op.params["grid"])
    rng = np.random.Generator(np.random.PCG64(op.params["seed"]))
    coarse = torch.from_numpy(rng.uniform(-1.0, 1.0, size=(1, 2, grid, grid)).astype(np.float32))
    field = nnf.interpolate(coarse, size=(height, width), mode="bicubic", align_corners=True)
    # grid_sample coordinates span [-1, 1] over a side, so a fraction ``alpha`` of the side is 2 * alpha.
    displacement = (2.0 * op.params["alpha"] * field).permute(0, 2, 3, 1).contiguous()  # (1, H, W, 2): (x, y)
    return F.elastic_transform(video, displacement, interpolation=BILINEAR)


def _brightness(video: torch.Tensor, op: Op, ids: np.ndarray) -> torch.Tensor:
    return F.adjust_brightness(video, op.params["factor"])


def _contrast(video: torch.Tensor, op: Op, ids: np.ndarray) -> torch.Tensor:
    return F.adjust_contrast(video, op.params["factor"])


def _saturation(video: torch.Tensor, op: Op, ids: np.ndarray) -> torch.Tensor:
    return F.adjust_saturation(video, op.params["factor"])


def _gaussian_blur(video: torch.Tensor, op: Op, ids: np.ndarray) -> torch.Tensor:
    height, width = video.shape[-2:]
    sigma = op.params["sigma"] * min(height, width)
    # Kernel to 3 sigma, odd, and no longer than the side it runs along (reflect padding needs pad < side).
    want = 2 * math.ceil(3 * sigma) + 1
    kx, ky = (min(want, side if side % 2 else side - 1) for side in (width, height))
    if sigma <= 0 or kx == ky == 1:
        return video  # a 1-pixel kernel is the identity: frames too small (or sigma too small) to blur
    video = video.contiguous(memory_format=torch.channels_last)  # grid_sample (geometric ops) returns NCHW
    return F.gaussian_blur(video, kernel_size=[kx, ky], sigma=[sigma, sigma])


def _gaussian_noise(video: torch.Tensor, op: Op, ids: np.ndarray) -> torch.Tensor:
    t, c, h, w = video.shape
    seed, std = op.params["seed"], op.params["std"]
    # One generator per frame, keyed by the frame's id; drawn as (H, W, C) like the frames' memory.
    noise = np.stack(
        [np.random.Generator(np.random.PCG64([seed, int(i)])).standard_normal((h, w, c), dtype=np.float32) for i in ids]
    )
    # std is in 0..255 units; clamped, because colour ops and the final rounding assume [0, 1]
    return (video + torch.from_numpy(noise).permute(0, 3, 1, 2).mul_(std / 255)).clamp_(0.0, 1.0)


def _cutout(video: torch.Tensor, op: Op, ids: np.ndarray) -> torch.Tensor:
    height, width = video.shape[-2:]
    p = op.params
    # At least one pixel each way, and inside the frame whatever the rounding.
    h = min(height, max(1, round(p["height"] * height)))
    w = min(width, max(1, round(p["width"] * width)))
    top = min(round(p["top"] * height), height - h)
    left = min(round(p["left"] * width), width - w)
    return F.erase(video, top, left, h, w, v=torch.zeros((), dtype=video.dtype))


SPATIAL: dict[str, Callable[[torch.Tensor, Op, np.ndarray], torch.Tensor]] = {
    "hflip": _hflip,
    "rotation": _rotation,
    "affine": _affine,
    "elastic": _elastic,
    "brightness": _brightness,
    "contrast": _contrast,
    "saturation": _saturation,
    "gaussian_blur": _gaussian_blur,
    "gaussian_noise": _gaussian_noise,
    "cutout": _cutout,
}
