"""cutout: one black box at the same place in every frame; its position and size are fractions of the sides."""

from __future__ import annotations

import numpy as np
import torch
import torchvision.transforms.v2.functional as F

from fvc.augment.registry import register, uniform

SIDE = (0.05, 0.2)  # one box, fraction of each side: a small occluder (hand, microphone), face mostly visible
# top/left: fractions of the side, drawn within the room the box leaves, so the box lies inside the frame
RANGES = {"top": (0.0, 1.0 - SIDE[0]), "left": (0.0, 1.0 - SIDE[0]), "height": SIDE, "width": SIDE}


def draw(rng: np.random.Generator) -> dict:
    height, width = uniform(rng, SIDE), uniform(rng, SIDE)
    return {
        "top": uniform(rng, (0.0, 1.0 - height)),
        "left": uniform(rng, (0.0, 1.0 - width)),
        "height": height,
        "width": width,
    }


@register("cutout", kind="spatial", order=100, ranges=RANGES, draw=draw)
def cutout(video: torch.Tensor, params: dict, ids: np.ndarray) -> torch.Tensor:
    height, width = video.shape[-2:]
    # At least one pixel each way, and inside the frame whatever the rounding.
    h = min(height, max(1, round(params["height"] * height)))
    w = min(width, max(1, round(params["width"] * width)))
    top = min(round(params["top"] * height), height - h)
    left = min(round(params["left"] * width), width - w)
    return F.erase(video, top, left, h, w, v=torch.zeros((), dtype=video.dtype))
