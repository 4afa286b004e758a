"""Tiny synthetic clips and one-op recipes for the augmentation tests."""

from __future__ import annotations

import numpy as np

from fvc.augment import Op, Recipe

# One example per spatial op, near the strong end of its drawn range, so every effect is visible.
SPATIAL_EXAMPLES: dict[str, dict] = {
    "hflip": {},
    "rotation": {"angle_deg": 10.0},
    "affine": {"translate_x": 0.05, "translate_y": -0.05, "scale": 1.1, "shear_deg": 5.0},
    "elastic": {"alpha": 0.015, "grid": 8, "seed": 7},
    "brightness": {"factor": 1.2},
    "contrast": {"factor": 1.2},
    "saturation": {"factor": 1.2},
    "gaussian_blur": {"sigma": 0.006},
    "gaussian_noise": {"std": 5.0, "seed": 7},
    "cutout": {"top": 0.25, "left": 0.5, "height": 0.2, "width": 0.2},
    "resize_down_up": {"factor": 0.4, "interpolation": 1},
    "h264": {"crf": 38.0},
    "jpeg": {"quality": 30},
}


def recipe_of(name: str, **params) -> Recipe:
    """A recipe of the single op ``name`` (its SPATIAL_EXAMPLES parameters unless given)."""
    return Recipe(ops=(Op(name, params or dict(SPATIAL_EXAMPLES.get(name, {}))),))


def smooth_clip(frames: int, height: int, width: int, *, cycles: float = 3.0) -> np.ndarray:
    """(T, H, W, 3) uint8: a colourful pattern defined on [0, 1]^2, so the same picture at any resolution.

    ``cycles`` is the number of periods across the frame; each frame shifts the pattern a little.
    """
    v = (np.arange(height) + 0.5)[:, None] / height
    u = (np.arange(width) + 0.5)[None, :] / width
    out = np.empty((frames, height, width, 3), dtype=np.uint8)
    for t in range(frames):
        for c in range(3):
            phase = 0.1 * t + 2.1 * c
            value = 128 + 60 * np.sin(2 * np.pi * (cycles * u + 0.7 * v) + phase)
            value += 50 * np.cos(2 * np.pi * (cycles * v - 0.4 * u) + 1.3 * phase)
            out[t, :, :, c] = np.clip(np.rint(value), 0, 255)
    return out


def random_clip(frames: int, height: int, width: int, seed: int = 0) -> np.ndarray:
    """(T, H, W, 3) uint8 of uniform noise: every pixel differs from its neighbours."""
    return np.random.default_rng(seed).integers(0, 256, size=(frames, height, width, 3), dtype=np.uint8)


def numbered_parent(frame_count: int, height: int = 4, width: int = 6) -> np.ndarray:
    """A parent video whose frame t is filled with the value t (frame_count <= 256)."""
    return np.broadcast_to(
        np.arange(frame_count, dtype=np.uint8)[:, None, None, None], (frame_count, height, width, 3)
    ).copy()
