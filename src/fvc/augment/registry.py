"""The op registry: every augmentation op is one declaration, ``@register(...)`` on the function that applies it.

A declaration gives the op's name (what ``augment.ops`` in params.yaml and recipe JSON call it), its kind, its
order, the range of each parameter, how the parameters are drawn from a numpy Generator, and how they are
applied. Two kinds:

- ``spatial``: ``apply(video, params, ids) -> video``, video a (T, C, H, W) float32 tensor in [0, 1] (channels-last
  memory), the same geometry and colour change on every frame; ``ids`` (T,) int64 are the frames' ids in the
  parent, the key of any per-frame randomness. A spatial op declared with ``needs_face=True`` (``selfblend``) is
  applied as ``apply(video, params, ids, face)``, ``face`` a ``fvc.augment.face.FaceRegion`` of the T frames.
- ``temporal``: ``apply(frame_count, params) -> index map``, a non-empty int64 array with values in
  [0, frame_count): copy frame j shows parent frame ``map[j]`` (frame_count >= 1).

``order`` ranks an op among those of its kind: spatial ops apply in that order, and recipes are drawn in it, so
changing an existing op's order changes every recipe drawn. The modules of ``fvc.augment.ops`` declare the ops;
importing that package registers them all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from torchvision.transforms import InterpolationMode

KINDS = ("spatial", "temporal")
FLOAT_DECIMALS = 6  # parameters are rounded so recipe JSON is short; six decimals are far below any visible effect
SEED_HIGH = 2**32  # op seeds are stored in the recipe as plain JSON integers below this
SEED_RANGE = (0, SEED_HIGH - 1)
BILINEAR = InterpolationMode.BILINEAR  # geometric ops resample smoothly; nearest would add jagged edges (a cue)

Draw = Callable[[np.random.Generator], dict]
Apply = Callable[..., object]


@dataclass(frozen=True)
class OpSpec:
    """One registered op: see the module docstring for ``kind``, ``order`` and the signature of ``apply``.

    ``ranges`` maps every parameter name to the closed interval its drawn values lie in (a constant parameter:
    a one-point interval); a recipe's op must have exactly these parameters. ``draw(rng)`` returns them.
    """

    name: str
    kind: str
    order: int
    ranges: Mapping[str, tuple[float, float]]
    draw: Draw
    apply: Apply
    needs_face: bool = False  # applied with the clip's FaceRegion as a fourth argument (fvc.augment.face)


_OPS: dict[str, OpSpec] = {}


def register(
    name: str,
    *,
    kind: str,
    order: int,
    ranges: Mapping[str, tuple[float, float]],
    draw: Draw,
    needs_face: bool = False,
) -> Callable[[Apply], Apply]:
    """Decorator: register the decorated ``apply`` function as op ``name``; returns it unchanged.

    Raises ValueError if ``kind`` is not in KINDS, the name, or the order within the kind, is already taken, or a
    temporal op claims to need a face (only spatial ops see pixels).
    """
    if kind not in KINDS:
        raise ValueError(f"augmentation op kind {kind!r}, expected one of {KINDS}")
    if needs_face and kind != "spatial":
        raise ValueError(f"augmentation op {name!r}: only a spatial op can need a face")

    def decorate(apply: Apply) -> Apply:
        spec = OpSpec(
            name=name, kind=kind, order=order, ranges=dict(ranges), draw=draw, apply=apply, needs_face=needs_face
        )
        if name in _OPS and _OPS[name].apply is not apply:
            raise ValueError(f"augmentation op {name!r} is already registered")
        taken = next((s.name for s in _OPS.values() if (s.kind, s.order) == (kind, order) and s.name != name), None)
        if taken:
            raise ValueError(f"augmentation op {name!r}: {kind} order {order} is already taken by {taken!r}")
        _OPS[name] = spec
        return apply

    return decorate


def op_spec(name: str) -> OpSpec:
    """The declaration of op ``name``. Raises KeyError for a name nobody registered (see ``op_names``)."""
    return _OPS[name]


def op_names(kind: str | None = None, *, face: bool | None = False) -> tuple[str, ...]:
    """The registered op names of ``kind`` (both kinds if None: spatial first), each kind in its order.

    ``face``: False (default) only the ops that need no face, the pool plain copies are drawn from; True only
    the face-needing ops (pseudo-fakes); None every op (what a recipe may hold).
    """
    kinds = KINDS if kind is None else (kind,)
    ordered = sorted(_OPS.values(), key=lambda s: s.order)
    return tuple(s.name for k in kinds for s in ordered if s.kind == k and (face is None or s.needs_face == face))


# Helpers for declarations: ``uniform`` and ``draw_seed`` each take exactly one draw from ``rng``.
def uniform(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    """A float drawn uniformly from ``bounds`` (low, high), rounded to FLOAT_DECIMALS."""
    return round(float(rng.uniform(*bounds)), FLOAT_DECIMALS)


def draw_seed(rng: np.random.Generator) -> int:
    """An op seed in [0, SEED_HIGH): the op's own randomness (per-frame noise, a warp, dropped frames) is keyed
    by it, so applying a recipe needs no generator state and gives the same pixels every time."""
    return int(rng.integers(SEED_HIGH))


def no_params(rng: np.random.Generator) -> dict:
    """The draw of an op without parameters: draws nothing, returns ``{}``."""
    return {}
