"""resize_down_up: every frame downscaled by a drawn factor and scaled back up, as an upload path that stores a
smaller rendition and a player that enlarges it: fine detail lost, the frame size kept."""

from __future__ import annotations

import numpy as np
import torch
import torchvision.transforms.v2.functional as F
from torchvision.transforms import InterpolationMode

from fvc.augment.registry import register, uniform

# Fraction of each side kept: 0.9 is a slight rescale (1080p shown at 960p); 0.4 is a 144p-240p rendition of a
# 360p-480p video, about the lowest a platform serves, where a face still has its features.
FACTOR = (0.4, 0.9)
# Used both ways (antialiased on the way down): what scalers and players commonly use. Nearest is left out: its
# blocky enlargement is a cue no upload path adds.
INTERPOLATIONS = (InterpolationMode.BILINEAR, InterpolationMode.BICUBIC)
RANGES = {"factor": FACTOR, "interpolation": (0, len(INTERPOLATIONS) - 1)}


def draw(rng: np.random.Generator) -> dict:
    # interpolation: an index into INTERPOLATIONS, from one uniform draw (JSON keeps it a plain integer)
    choice = min(int(uniform(rng, (0, len(INTERPOLATIONS)))), len(INTERPOLATIONS) - 1)
    return {"factor": uniform(rng, FACTOR), "interpolation": choice}


@register("resize_down_up", kind="spatial", order=110, ranges=RANGES, draw=draw)
def resize_down_up(video: torch.Tensor, params: dict, ids: np.ndarray) -> torch.Tensor:
    height, width = video.shape[-2:]
    small = [max(1, round(side * params["factor"])) for side in (height, width)]
    if small == [height, width]:
        return video  # a side of a pixel or two: nothing to lose
    mode = INTERPOLATIONS[int(params["interpolation"])]
    video = video.contiguous(memory_format=torch.channels_last)  # grid_sample (geometric ops) returns NCHW
    down = F.resize(video, small, interpolation=mode, antialias=True)
    up = F.resize(down, [height, width], interpolation=mode, antialias=True)
    return up.clamp_(0.0, 1.0)  # bicubic overshoots at edges; later ops and the final rounding assume [0, 1]
