"""gaussian_noise: sensor noise, different in every frame but the same for a frame however the copy is sampled."""

from __future__ import annotations

import numpy as np
import torch

from fvc.augment.registry import SEED_RANGE, draw_seed, register, uniform

STD = (1.0, 5.0)  # 0..255 units: sensor noise of compressed video; more drowns the high-pass residuals


def draw(rng: np.random.Generator) -> dict:
    return {"std": uniform(rng, STD), "seed": draw_seed(rng)}


@register("gaussian_noise", kind="spatial", order=90, ranges={"std": STD, "seed": SEED_RANGE}, draw=draw)
def gaussian_noise(video: torch.Tensor, params: dict, ids: np.ndarray) -> torch.Tensor:
    t, c, h, w = video.shape
    seed, std = params["seed"], params["std"]
    # One generator per frame, keyed by the frame's id; drawn as (H, W, C) like the frames' memory.
    noise = np.stack(
        [np.random.Generator(np.random.PCG64([seed, int(i)])).standard_normal((h, w, c), dtype=np.float32) for i in ids]
    )
    # std is in 0..255 units; clamped, because colour ops and the final rounding assume [0, 1]
    return (video + torch.from_numpy(noise).permute(0, 3, 1, 2).mul_(std / 255)).clamp_(0.0, 1.0)
