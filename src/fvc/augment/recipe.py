"""Augmentation recipes: what an augmented copy of a video is, as data, and how one is drawn reproducibly.

A recipe is a tuple of ops with fixed parameters: at most one temporal op (which parent frame each copy frame
shows) and any number of spatial ops (applied, in order, to every frame alike). Every spatial parameter is
resolution-independent (degrees, fractions of a side, 0..255 intensity units, multipliers), so the same recipe
can be materialised at the parent's native size and at the scaled size. ``fvc.augment.ops`` applies recipes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fvc.errors import FvcError

# Spatial ops in the order a recipe applies them: geometry (as the camera sees the scene), then the camera's
# colour response, then optics (blur) and sensor (noise), then an occluder drawn on top (cutout stays clean).
SPATIAL_OPS = (
    "hflip",
    "rotation",
    "affine",
    "elastic",
    "brightness",
    "contrast",
    "saturation",
    "gaussian_blur",
    "gaussian_noise",
    "cutout",
)
TEMPORAL_OPS = ("frame_drop", "frame_duplicate", "reverse")

# The parameter names of each op; a recipe with other names is refused, so a hand-edited one fails early.
OP_PARAMS: dict[str, tuple[str, ...]] = {
    "hflip": (),
    "rotation": ("angle_deg",),
    "affine": ("translate_x", "translate_y", "scale", "shear_deg"),
    "elastic": ("alpha", "grid", "seed"),
    "brightness": ("factor",),
    "contrast": ("factor",),
    "saturation": ("factor",),
    "gaussian_blur": ("sigma",),
    "gaussian_noise": ("std", "seed"),
    "cutout": ("top", "left", "height", "width"),
    "frame_drop": ("fraction", "seed"),
    "frame_duplicate": ("fraction", "seed"),
    "reverse": (),
}

# Ranges are mild on purpose: the detector must still see the manipulation's traces (blending seams, local
# flicker, resampling blur of the face; see fvc.synth), so no augmentation may erase or imitate them.
ROTATION_DEG = (-10.0, 10.0)  # handheld/talking-head roll rarely exceeds this; more leaves large black corners
AFFINE_TRANSLATE = (-0.05, 0.05)  # fraction of the side: a re-framed shot, the face stays in view
AFFINE_SCALE = (0.9, 1.1)  # a slight zoom: the same shot framed a little tighter or wider
AFFINE_SHEAR_DEG = (-5.0, 5.0)  # rolling-shutter-like skew; more would distort faces unnaturally
ELASTIC_ALPHA = (0.005, 0.015)  # max displacement as a fraction of the side (1-4 px at 256): lens/compression wobble
ELASTIC_GRID = 8  # control points per side: warps ~1/8 of the frame wide, local (an eye, a cheek), not a tilt
COLOUR_FACTOR = (0.8, 1.2)  # exposure / white-balance differences between cameras, without clipping highlights
NOISE_STD = (1.0, 5.0)  # 0..255 units: sensor noise of compressed video; more drowns the high-pass residuals
# Fraction of the shorter side (0.4-0.9 px at 144, 0.8-1.5 px at 256; below 0.4 px a blur changes nothing): a
# slight defocus, at most the fakes' own 1-2 px resampling blur, so blur does not erase or imitate that cue.
BLUR_SIGMA = (0.003, 0.006)
CUTOUT_SIDE = (0.05, 0.2)  # one box, fraction of each side: a small occluder (hand, microphone), face mostly visible
TEMPORAL_FRACTION = (0.05, 0.15)  # frames dropped/duplicated: variable-frame-rate capture, keeps >= 85 % of motion
SEED_HIGH = 2**32  # op seeds are stored in the recipe as plain JSON integers below this

FLOAT_DECIMALS = 6  # parameters are rounded so recipe JSON is short; six decimals are far below any visible effect


@dataclass(frozen=True)
class Op:
    """One augmentation step: a name from SPATIAL_OPS or TEMPORAL_OPS and its JSON-serialisable parameters."""

    name: str
    params: dict

    @property
    def temporal(self) -> bool:
        return self.name in TEMPORAL_OPS


@dataclass(frozen=True)
class Recipe:
    """An augmented copy of a video: at most one temporal op and spatial ops applied in the order given.

    Raises FvcError for an unknown op, wrong parameter names, or more than one temporal op.
    """

    ops: tuple[Op, ...]

    def __post_init__(self) -> None:
        for op in self.ops:
            if op.name not in OP_PARAMS:
                raise FvcError(f"augment recipe: unknown op {op.name!r}; expected one of {', '.join(OP_PARAMS)}")
            if sorted(op.params) != sorted(OP_PARAMS[op.name]):
                raise FvcError(
                    f"augment recipe: op {op.name!r} has parameters {sorted(op.params)};"
                    f" expected {sorted(OP_PARAMS[op.name])}"
                )
        temporal = [op.name for op in self.ops if op.temporal]
        if len(temporal) > 1:
            raise FvcError(f"augment recipe: {len(temporal)} temporal ops {temporal}; a copy has at most one")

    @property
    def temporal_op(self) -> Op | None:
        return next((op for op in self.ops if op.temporal), None)

    @property
    def spatial_ops(self) -> tuple[Op, ...]:
        return tuple(op for op in self.ops if not op.temporal)

    def to_json(self) -> str:
        """Compact JSON with sorted keys: the same recipe always gives the same text (a stable table cell)."""
        doc = {"ops": [{"name": op.name, "params": op.params} for op in self.ops]}
        return json.dumps(doc, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Recipe:
        """The recipe ``to_json`` wrote. Raises FvcError naming what is wrong with ``text``."""
        try:
            doc = json.loads(text)
            ops = tuple(Op(name=str(op["name"]), params=dict(op["params"])) for op in doc["ops"])
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
            raise FvcError(f"augment recipe: not a recipe JSON ({err}): {text[:80]!r}") from None
        return cls(ops=ops)


def copy_seed(seed: int, video_id: str, copy_index: int) -> int:
    """The seed of one augmented copy: sha256 of ``"{seed}:{video_id}:{copy_index}"``, as a 64-bit integer.

    A cryptographic hash, not Python's ``hash()`` (salted per process), so every process and machine agrees.
    """
    digest = hashlib.sha256(f"{seed}:{video_id}:{copy_index}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def draw_recipe(
    seed: int,
    video_id: str,
    copy_index: int,
    *,
    spatial_ops: int,
    temporal_prob: float,
    ops: Sequence[str] = SPATIAL_OPS + TEMPORAL_OPS,
) -> Recipe:
    """Draw the recipe of copy ``copy_index`` of ``video_id``; the same arguments always give the same recipe.

    ``ops`` is the pool: ``spatial_ops`` distinct ops are drawn from its spatial ops and kept in SPATIAL_OPS
    order; with probability ``temporal_prob`` one of its temporal ops is drawn uniformly (none if it has none).
    Parameters are drawn uniformly from the ranges above. Raises FvcError for an unknown op name or an
    out-of-range ``spatial_ops`` or ``temporal_prob``.
    """
    unknown = sorted(set(ops) - set(SPATIAL_OPS) - set(TEMPORAL_OPS))
    if unknown:
        raise FvcError(f"augment: unknown op(s) {', '.join(unknown)}; known: {', '.join(SPATIAL_OPS + TEMPORAL_OPS)}")
    pool = [name for name in SPATIAL_OPS if name in ops]
    temporal = [name for name in TEMPORAL_OPS if name in ops]
    if not 0 <= spatial_ops <= len(pool):
        raise FvcError(f"augment: spatial_ops={spatial_ops}; expected an integer in 0..{len(pool)} (the pool's size)")
    if not 0.0 <= temporal_prob <= 1.0:
        raise FvcError(f"augment: temporal_prob={temporal_prob}; expected a probability in [0, 1]")
    rng = np.random.Generator(np.random.PCG64(copy_seed(seed, video_id, copy_index)))
    ops: list[Op] = []
    # Fixed draw order (temporal coin, temporal op, spatial choice, parameters) keeps recipes reproducible.
    if rng.random() < temporal_prob and temporal:
        name = temporal[int(rng.integers(len(temporal)))]
        ops.append(Op(name, _draw_params(name, rng)))
    chosen = set(rng.choice(len(pool), size=spatial_ops, replace=False).tolist())
    for i, name in enumerate(pool):
        if i in chosen:
            ops.append(Op(name, _draw_params(name, rng)))
    return Recipe(ops=tuple(ops))


def _draw_params(name: str, rng: np.random.Generator) -> dict:
    def uniform(bounds: tuple[float, float]) -> float:
        return round(float(rng.uniform(*bounds)), FLOAT_DECIMALS)

    def op_seed() -> int:
        return int(rng.integers(SEED_HIGH))

    match name:
        case "hflip" | "reverse":
            return {}
        case "rotation":
            return {"angle_deg": uniform(ROTATION_DEG)}
        case "affine":
            return {
                "translate_x": uniform(AFFINE_TRANSLATE),
                "translate_y": uniform(AFFINE_TRANSLATE),
                "scale": uniform(AFFINE_SCALE),
                "shear_deg": uniform(AFFINE_SHEAR_DEG),
            }
        case "elastic":
            return {"alpha": uniform(ELASTIC_ALPHA), "grid": ELASTIC_GRID, "seed": op_seed()}
        case "brightness" | "contrast" | "saturation":
            return {"factor": uniform(COLOUR_FACTOR)}
        case "gaussian_blur":
            return {"sigma": uniform(BLUR_SIGMA)}
        case "gaussian_noise":
            return {"std": uniform(NOISE_STD), "seed": op_seed()}
        case "cutout":
            height, width = uniform(CUTOUT_SIDE), uniform(CUTOUT_SIDE)
            # top/left are fractions of the side; drawn within the room left, so the box lies inside the frame
            top = round(float(rng.uniform(0.0, 1.0 - height)), FLOAT_DECIMALS)
            left = round(float(rng.uniform(0.0, 1.0 - width)), FLOAT_DECIMALS)
            return {"top": top, "left": left, "height": height, "width": width}
        case "frame_drop" | "frame_duplicate":
            return {"fraction": uniform(TEMPORAL_FRACTION), "seed": op_seed()}
    raise AssertionError(f"no parameter ranges for op {name!r}")
