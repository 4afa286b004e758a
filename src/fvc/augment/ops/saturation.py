"""saturation: colours pushed away from (factor > 1) or towards (< 1) their grey."""

from __future__ import annotations

import numpy as np
import torch
import torchvision.transforms.v2.functional as F

from fvc.augment.registry import register, uniform

FACTOR = (0.8, 1.2)  # white-balance and colour-processing differences between cameras


def draw(rng: np.random.Generator) -> dict:
    return {"factor": uniform(rng, FACTOR)}


@register("saturation", kind="spatial", order=70, ranges={"factor": FACTOR}, draw=draw)
def saturation(video: torch.Tensor, params: dict, ids: np.ndarray) -> torch.Tensor:
    return F.adjust_saturation(video, params["factor"])
