"""contrast: intensities spread from (factor > 1) or pulled towards (< 1) the frame's mean grey."""

from __future__ import annotations

import numpy as np
import torch
import torchvision.transforms.v2.functional as F

from fvc.augment.registry import register, uniform

FACTOR = (0.8, 1.2)  # tone-curve differences between cameras, without clipping highlights or shadows


def draw(rng: np.random.Generator) -> dict:
    return {"factor": uniform(rng, FACTOR)}


@register("contrast", kind="spatial", order=60, ranges={"factor": FACTOR}, draw=draw)
def contrast(video: torch.Tensor, params: dict, ids: np.ndarray) -> torch.Tensor:
    return F.adjust_contrast(video, params["factor"])
