"""Augmentation recipes: what an augmented copy of a video is, as data, and how one is drawn reproducibly.

A recipe is a tuple of ops with fixed parameters: at most one temporal op (which parent frame each copy frame
shows) and any number of spatial ops (applied, in order, to every frame alike). The ops, their parameter ranges
and how they are drawn are declared in ``fvc.augment.ops`` (see ``fvc.augment.registry``); ``fvc.augment.apply``
applies recipes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fvc.augment.registry import op_names, op_spec
from fvc.errors import FvcError


@dataclass(frozen=True)
class Op:
    """One augmentation step: the name of a registered op and its JSON-serialisable parameters."""

    name: str
    params: dict

    @property
    def temporal(self) -> bool:
        return self.name in op_names("temporal")


@dataclass(frozen=True)
class Recipe:
    """An augmented copy of a video: at most one temporal op and spatial ops applied in the order given.

    Raises FvcError for an unknown op, wrong parameter names, or more than one temporal op.
    """

    ops: tuple[Op, ...]

    def __post_init__(self) -> None:
        known = op_names(face=None)
        for op in self.ops:
            if op.name not in known:
                raise FvcError(f"augment recipe: unknown op {op.name!r}; expected one of {', '.join(known)}")
            expected = sorted(op_spec(op.name).ranges)
            if sorted(op.params) != expected:
                raise FvcError(
                    f"augment recipe: op {op.name!r} has parameters {sorted(op.params)}; expected {expected}"
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


def check_pool(ops: Sequence[str]) -> None:
    """FvcError naming ``augment.ops`` (params.yaml) and the known ops if ``ops`` holds a name nobody registered,
    or a face-needing op: those make pseudo-fakes (``augment.pseudo_fakes``), never a copy that keeps its label."""
    face_ops = sorted(set(ops) & set(op_names(face=True)))
    if face_ops:
        raise FvcError(
            f"params.yaml: augment.ops has {', '.join(face_ops)}, which makes pseudo-fakes labelled fake;"
            " use augment.pseudo_fakes instead"
        )
    unknown = sorted(set(ops) - set(op_names()))
    if unknown:
        raise FvcError(
            f"params.yaml: augment.ops has unknown op(s) {', '.join(unknown)}; known: {', '.join(op_names())}"
        )


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
    ops: Sequence[str] | None = None,
) -> Recipe:
    """Draw the recipe of copy ``copy_index`` of ``video_id``; the same arguments always give the same recipe.

    ``ops`` is the pool (None: every registered op): ``spatial_ops`` distinct ops are drawn from its spatial ops
    and kept in their registered order; with probability ``temporal_prob`` one of its temporal ops is drawn
    uniformly (none if it has none). Each op draws its own parameters (its declaration's ``draw``). Raises
    FvcError for an unknown op name or an out-of-range ``spatial_ops`` or ``temporal_prob``.
    """
    ops = op_names() if ops is None else ops
    check_pool(ops)
    pool = [name for name in op_names("spatial") if name in ops]
    temporal = [name for name in op_names("temporal") if name in ops]
    if not 0 <= spatial_ops <= len(pool):
        raise FvcError(f"augment: spatial_ops={spatial_ops}; expected an integer in 0..{len(pool)} (the pool's size)")
    if not 0.0 <= temporal_prob <= 1.0:
        raise FvcError(f"augment: temporal_prob={temporal_prob}; expected a probability in [0, 1]")
    rng = np.random.Generator(np.random.PCG64(copy_seed(seed, video_id, copy_index)))
    drawn: list[Op] = []
    # Fixed draw order (temporal coin, temporal op, spatial choice, parameters) keeps recipes reproducible.
    if rng.random() < temporal_prob and temporal:
        name = temporal[int(rng.integers(len(temporal)))]
        drawn.append(Op(name, op_spec(name).draw(rng)))
    chosen = set(rng.choice(len(pool), size=spatial_ops, replace=False).tolist())
    for i, name in enumerate(pool):
        if i in chosen:
            drawn.append(Op(name, op_spec(name).draw(rng)))
    return Recipe(ops=tuple(drawn))


def draw_pseudo_recipe(
    seed: int, video_id: str, index: int, *, spatial_ops: int, ops: Sequence[str] | None = None
) -> Recipe:
    """Draw the recipe of pseudo-fake ``index`` of the real video ``video_id``: ``selfblend`` first, then
    ``spatial_ops`` distinct spatial ops drawn from the pool ``ops`` (None: every op that needs no face), in
    their registered order; no temporal op (a self-blended face is a per-frame forgery). The same arguments
    always give the same recipe, and its seed stream is separate from the plain copies' (``draw_recipe``).
    Raises FvcError for an unknown op name or an out-of-range ``spatial_ops``.
    """
    ops = op_names() if ops is None else ops
    check_pool(ops)
    pool = [name for name in op_names("spatial") if name in ops]
    if not 0 <= spatial_ops <= len(pool):
        raise FvcError(
            f"augment: pseudo_spatial_ops={spatial_ops}; expected an integer in 0..{len(pool)}"
            " (the spatial ops in augment.ops)"
        )
    rng = np.random.Generator(np.random.PCG64(copy_seed(seed, f"{video_id}~sbi", index)))
    drawn = [Op("selfblend", op_spec("selfblend").draw(rng))]
    chosen = set(rng.choice(len(pool), size=spatial_ops, replace=False).tolist())
    drawn += [Op(name, op_spec(name).draw(rng)) for i, name in enumerate(pool) if i in chosen]
    return Recipe(ops=tuple(drawn))
