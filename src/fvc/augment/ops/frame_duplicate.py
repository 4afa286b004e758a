"""frame_duplicate: a fraction of the frames (chosen by the op's seed) shown twice in a row."""

from __future__ import annotations

import numpy as np

from fvc.augment.registry import SEED_RANGE, draw_seed, register, uniform

FRACTION = (0.05, 0.15)  # frames shown twice: variable-frame-rate capture, at most 15 % more frames


def draw(rng: np.random.Generator) -> dict:
    return {"fraction": uniform(rng, FRACTION), "seed": draw_seed(rng)}


@register("frame_duplicate", kind="temporal", order=20, ranges={"fraction": FRACTION, "seed": SEED_RANGE}, draw=draw)
def frame_duplicate(frame_count: int, params: dict) -> np.ndarray:
    rng = np.random.Generator(np.random.PCG64(params["seed"]))
    k = int(params["fraction"] * frame_count + 0.5)
    counts = np.ones(frame_count, dtype=np.int64)
    counts[rng.choice(frame_count, size=min(k, frame_count), replace=False)] = 2
    return np.repeat(np.arange(frame_count, dtype=np.int64), counts)
