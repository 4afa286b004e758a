"""affine: every frame shifted, zoomed and sheared alike; the shift is a fraction of the side, so any size works."""

from __future__ import annotations

import numpy as np
import torch
import torchvision.transforms.v2.functional as F

from fvc.augment.registry import BILINEAR, register, uniform

TRANSLATE = (-0.05, 0.05)  # fraction of the side: a re-framed shot, the face stays in view
SCALE = (0.9, 1.1)  # a slight zoom: the same shot framed a little tighter or wider
SHEAR_DEG = (-5.0, 5.0)  # rolling-shutter-like skew; more would distort faces unnaturally
RANGES = {"translate_x": TRANSLATE, "translate_y": TRANSLATE, "scale": SCALE, "shear_deg": SHEAR_DEG}


def draw(rng: np.random.Generator) -> dict:
    return {
        "translate_x": uniform(rng, TRANSLATE),
        "translate_y": uniform(rng, TRANSLATE),
        "scale": uniform(rng, SCALE),
        "shear_deg": uniform(rng, SHEAR_DEG),
    }


@register("affine", kind="spatial", order=30, ranges=RANGES, draw=draw)
def affine(video: torch.Tensor, params: dict, ids: np.ndarray) -> torch.Tensor:
    height, width = video.shape[-2:]
    translate = [params["translate_x"] * width, params["translate_y"] * height]
    return F.affine(
        video,
        angle=0.0,
        translate=translate,
        scale=params["scale"],
        shear=[params["shear_deg"], 0.0],
        interpolation=BILINEAR,
    )
