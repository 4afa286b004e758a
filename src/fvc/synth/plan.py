"""The corpus plan: which groups (source clips), renditions and real/fake pairs a corpus size holds.

The plan is pure data, computed without rendering anything, so tests and callers can inspect it cheaply.
Every rendition factor (aspect ratio, size, fps, length, bit rate, fake method) is spread evenly over the whole
plan (balanced lists, then shuffled), and each rendition yields one real and one fake clip: label counts are
equal within every bucket of every factor, so metadata cannot tell real from fake.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from fvc.errors import FvcError
from fvc.synth.sources import BACKGROUNDS, HIGH_RES_IDENTITIES, N_LFW_FACES

ASPECTS: dict[str, tuple[int, int]] = {
    "16:9": (16, 9),
    "4:3": (4, 3),
    "1:1": (1, 1),
    "9:16": (9, 16),
    "3:4": (3, 4),
}
FPS_CHOICES = (12, 15, 24, 25, 30)
# Target bits per pixel of a rendition; both twins are encoded at the same constant bit rate (fvc.synth.encode).
# The levels are the median bits per pixel that x264 CRF 18, 22, 26 and 30 gave the real clips of the small corpus
# (0.33, 0.16, 0.07, 0.045), rounded to doublings, listed in that order so a rendition keeps its former quality.
BPP_CHOICES = (0.32, 0.16, 0.08, 0.04)
METHODS = ("faceswap", "selfblend")
# LFW rows used as identities, in order (spread over the 100 faces; LFW may show one person in two rows).
LFW_IDENTITIES = tuple(f"lfw_{i:03d}" for i in (17, 1, 42, 64, 23, 88, 7, 53, 31, 75, 12, 96, 45, 58, 36, 83, 69))
# Identities no training corpus ever shows (rows outside the list above), for a cross-identity test corpus
# (``identities="held_out"``, the crosseval stage's default corpus). LFW may show one person in two rows, so a
# held-out row could be a training person seen in another photo; the faces, crops and tints still differ.
HELD_OUT_LFW = tuple(
    f"lfw_{i:03d}" for i in (4, 10, 27, 39, 50, 61, 79, 92, 2, 14, 20, 33, 47, 56, 66, 71, 85, 90, 98, 26)
)
# The faces face swaps paste in: LFW rows that are nobody's identity, split between the pools, so no corpus shows a
# donor as a person of its own (an identity-held-out fold cannot meet a training donor's face as a test person),
# and the held-out corpus's swaps show new faces too.
_DONOR_ROWS = tuple(f"lfw_{i:03d}" for i in range(N_LFW_FACES) if f"lfw_{i:03d}" not in LFW_IDENTITIES + HELD_OUT_LFW)
DONOR_POOLS: dict[str, tuple[str, ...]] = {
    "train": _DONOR_ROWS[0::2],
    "held_out": _DONOR_ROWS[1::2][0::2],
    "dev": _DONOR_ROWS[1::2][1::2],
}
IDENTITY_POOLS: dict[str, tuple[tuple[str, ...], str]] = {  # pool name: (identities in order, group-name prefix)
    "train": (HIGH_RES_IDENTITIES + LFW_IDENTITIES, "g"),
    "held_out": (HELD_OUT_LFW, "x"),
    # A development corpus for design decisions (scripts/dev_score.py): the held-out pool's other people, first, so
    # the `small` dev and held-out corpora share no person (sizes with more than 8 identities do overlap).
    "dev": (HELD_OUT_LFW[8:] + HELD_OUT_LFW[:8], "d"),
}


@dataclass(frozen=True)
class SizeSpec:
    """A corpus size: identities x groups per identity x renditions per group, each a real/fake pair."""

    identities: int
    groups_per_identity: int
    renditions: int
    lengths: tuple[int, ...]  # frames per clip
    sides: tuple[int, ...]  # longest side in pixels

    @property
    def n_clips(self) -> int:
        return 2 * self.identities * self.groups_per_identity * self.renditions


SIZES: dict[str, SizeSpec] = {
    "tiny": SizeSpec(identities=5, groups_per_identity=1, renditions=2, lengths=(12, 16, 20, 24), sides=(128, 160)),
    "small": SizeSpec(
        identities=8,
        groups_per_identity=2,
        renditions=3,
        lengths=(24, 48, 72, 96, 120),
        sides=(160, 208, 256, 320),
    ),
    "medium": SizeSpec(
        identities=20,
        groups_per_identity=3,
        renditions=4,
        lengths=(24, 48, 72, 96, 120),
        sides=(160, 208, 256, 320),
    ),
}


@dataclass(frozen=True)
class Group:
    """One source clip: an identity in a scene. Camera path and lighting are drawn from the group's seed.

    ``background`` is the still the scene is built on (the identity's own image for high-resolution faces);
    LFW faces are pasted at (``face_x``, ``face_y``) (centre, source px) with side ``face_size``.
    """

    group: str
    identity: str
    background: str
    flip: bool
    face_x: float = 0.0
    face_y: float = 0.0
    face_size: float = 0.0


@dataclass(frozen=True)
class Rendition:
    """One (aspect, size, fps, length, bit rate) rendition of a group: a real clip and its fake twin."""

    group: Group
    index: int
    aspect: str
    side: int
    width: int
    height: int
    fps: int
    n_frames: int
    bpp: float  # target bits per pixel: the twins' shared bit rate is bpp x width x height x fps
    method: str  # how the fake twin is made: faceswap | selfblend
    donor: str  # identity whose face is swapped in (the group's own identity for selfblend)

    @property
    def bitrate_kbps(self) -> int:
        """The constant bit rate both twins are encoded at, kbit/s (at least 1)."""
        return max(1, round(self.bpp * self.width * self.height * self.fps / 1000))

    @property
    def stem(self) -> str:
        return f"{self.group.group}_r{self.index}"

    def video_id(self, label: str) -> str:
        return f"{self.stem}_{label}"


def seed_sequence(seed: int, *key: str | int) -> np.random.SeedSequence:
    """A SeedSequence for (seed, key...); strings are CRC32-hashed, so keys do not depend on plan order."""
    spawn_key = tuple(zlib.crc32(k.encode()) if isinstance(k, str) else int(k) for k in key)
    return np.random.SeedSequence(entropy=seed, spawn_key=spawn_key)


def rng_for(seed: int, *key: str | int) -> np.random.Generator:
    """A fresh Generator for (seed, key...); never the global numpy state."""
    return np.random.Generator(np.random.PCG64(seed_sequence(seed, *key)))


def frame_size(aspect: str, side: int) -> tuple[int, int]:
    """(width, height) with the longest side ``side`` and both even (yuv420p needs even sizes)."""
    aw, ah = ASPECTS[aspect]
    long_, short = max(aw, ah), min(aw, ah)
    short_px = 2 * round(side * short / long_ / 2)
    return (side, short_px) if aw >= ah else (short_px, side)


def _balanced(values: tuple, n: int, rng: np.random.Generator) -> list:
    """``n`` items in which every value occurs floor(n/len) or ceil(n/len) times, in random order."""
    order = [values[i] for i in rng.permutation(len(values))]
    items = (order * (n // len(values) + 1))[:n]
    return [items[i] for i in rng.permutation(n)]


def _group(seed: int, name: str, identity: str) -> Group:
    rng = rng_for(seed, "group", name)
    flip = bool(rng.integers(2))
    if identity in HIGH_RES_IDENTITIES:
        return Group(name, identity, identity, flip)
    from fvc.synth.sources import load_image

    background = BACKGROUNDS[int(rng.integers(len(BACKGROUNDS)))]
    h, w = load_image(background).shape[1:]
    size = float(np.clip(rng.uniform(0.24, 0.34) * min(h, w), 72.0, 150.0))
    return Group(
        name,
        identity,
        background,
        flip,
        face_x=float(rng.uniform(0.35, 0.65) * w),
        face_y=float(rng.uniform(0.35, 0.6) * h),
        face_size=size,
    )


def build_plan(seed: int = 0, size: str = "small", identities: str = "train") -> list[Rendition]:
    """Plan a corpus: every rendition (a real/fake pair) of every group, ordered by group then index.

    Inputs: ``seed`` (non-negative int), ``size`` (a key of SIZES), ``identities`` (a key of IDENTITY_POOLS:
    ``train``, groups g00, g01...; or ``held_out``, LFW faces no ``train`` corpus shows, groups x00, x01...).
    Output: the list of Rendition. Raises FvcError for an unknown size or pool, or a negative seed.
    """
    if size not in SIZES:
        raise FvcError(f"synth: unknown size {size!r}; expected one of {', '.join(SIZES)}")
    if identities not in IDENTITY_POOLS:
        raise FvcError(f"synth: unknown identities {identities!r}; expected one of {', '.join(IDENTITY_POOLS)}")
    if not isinstance(seed, int) or seed < 0:
        raise FvcError(f"synth: seed must be a non-negative integer, got {seed!r}")
    spec = SIZES[size]
    pool, prefix = IDENTITY_POOLS[identities]
    people = pool[: spec.identities]
    n_groups = spec.identities * spec.groups_per_identity
    width = max(2, len(str(n_groups - 1)))
    # Identities interleave (g00 astronaut, g01 grace_hopper, ...) so each recurs across groups.
    groups = [_group(seed, f"{prefix}{g:0{width}d}", people[g % spec.identities]) for g in range(n_groups)]

    rng = rng_for(seed, "plan", size) if identities == "train" else rng_for(seed, "plan", size, identities)
    n = n_groups * spec.renditions
    aspects = _balanced(tuple(ASPECTS), n, rng)
    sides = _balanced(spec.sides, n, rng)
    fpss = _balanced(FPS_CHOICES, n, rng)
    lengths = _balanced(spec.lengths, n, rng)
    bpps = _balanced(BPP_CHOICES, n, rng)
    methods = _balanced(METHODS, n, rng)
    plan = []
    for i in range(n):
        group = groups[i // spec.renditions]
        donor = group.identity if methods[i] == "selfblend" else _donor(DONOR_POOLS[identities], rng)
        w, h = frame_size(aspects[i], sides[i])
        plan.append(
            Rendition(
                group,
                i % spec.renditions,
                aspects[i],
                sides[i],
                w,
                h,
                fpss[i],
                lengths[i],
                bpps[i],
                methods[i],
                donor,
            )
        )
    return plan


def _donor(pool: tuple[str, ...], rng: np.random.Generator) -> str:
    """A face from the donor ``pool`` (DONOR_POOLS): never one of any corpus's identities."""
    return pool[int(rng.integers(len(pool)))]
