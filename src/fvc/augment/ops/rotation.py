"""rotation: every frame rolled by the same angle about its centre (corners filled black)."""

from __future__ import annotations

import numpy as np
import torch
import torchvision.transforms.v2.functional as F

from fvc.augment.registry import BILINEAR, register, uniform

ANGLE_DEG = (-10.0, 10.0)  # handheld/talking-head roll rarely exceeds this; more leaves large black corners


def draw(rng: np.random.Generator) -> dict:
    return {"angle_deg": uniform(rng, ANGLE_DEG)}


@register("rotation", kind="spatial", order=20, ranges={"angle_deg": ANGLE_DEG}, draw=draw)
def rotation(video: torch.Tensor, params: dict, ids: np.ndarray) -> torch.Tensor:
    return F.rotate(video, params["angle_deg"], interpolation=BILINEAR)
