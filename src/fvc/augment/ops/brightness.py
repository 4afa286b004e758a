"""brightness: every pixel's intensity multiplied by one factor (exposure)."""

from __future__ import annotations

import numpy as np
import torch
import torchvision.transforms.v2.functional as F

from fvc.augment.registry import register, uniform

FACTOR = (0.8, 1.2)  # exposure differences between cameras, without clipping highlights


def draw(rng: np.random.Generator) -> dict:
    return {"factor": uniform(rng, FACTOR)}


@register("brightness", kind="spatial", order=50, ranges={"factor": FACTOR}, draw=draw)
def brightness(video: torch.Tensor, params: dict, ids: np.ndarray) -> torch.Tensor:
    return F.adjust_brightness(video, params["factor"])
