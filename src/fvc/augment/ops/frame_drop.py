"""frame_drop: a fraction of the frames removed (chosen by the op's seed), never all of them."""

from __future__ import annotations

import numpy as np

from fvc.augment.registry import SEED_RANGE, draw_seed, register, uniform

FRACTION = (0.05, 0.15)  # frames dropped: variable-frame-rate capture, keeps >= 85 % of motion


def draw(rng: np.random.Generator) -> dict:
    return {"fraction": uniform(rng, FRACTION), "seed": draw_seed(rng)}


@register("frame_drop", kind="temporal", order=10, ranges={"fraction": FRACTION, "seed": SEED_RANGE}, draw=draw)
def frame_drop(frame_count: int, params: dict) -> np.ndarray:
    rng = np.random.Generator(np.random.PCG64(params["seed"]))
    k = int(params["fraction"] * frame_count + 0.5)
    index = np.arange(frame_count, dtype=np.int64)
    return np.delete(index, rng.choice(frame_count, size=min(k, frame_count - 1), replace=False))
