"""gaussian_blur: every frame slightly defocused; sigma is a fraction of the shorter side, so any size works."""

from __future__ import annotations

import math

import numpy as np
import torch
import torchvision.transforms.v2.functional as F

from fvc.augment.registry import register, uniform

# Fraction of the shorter side (0.4-0.9 px at 144, 0.8-1.5 px at 256; below 0.4 px a blur changes nothing): a
# slight defocus, at most the fakes' own 1-2 px resampling blur, so blur does not erase or imitate that cue.
SIGMA = (0.003, 0.006)


def draw(rng: np.random.Generator) -> dict:
    return {"sigma": uniform(rng, SIGMA)}


@register("gaussian_blur", kind="spatial", order=80, ranges={"sigma": SIGMA}, draw=draw)
def gaussian_blur(video: torch.Tensor, params: dict, ids: np.ndarray) -> torch.Tensor:
    height, width = video.shape[-2:]
    sigma = params["sigma"] * min(height, width)
    # Kernel to 3 sigma, odd, and no longer than the side it runs along (reflect padding needs pad < side).
    want = 2 * math.ceil(3 * sigma) + 1
    kx, ky = (min(want, side if side % 2 else side - 1) for side in (width, height))
    if sigma <= 0 or kx == ky == 1:
        return video  # a 1-pixel kernel is the identity: frames too small (or sigma too small) to blur
    video = video.contiguous(memory_format=torch.channels_last)  # grid_sample (geometric ops) returns NCHW
    return F.gaussian_blur(video, kernel_size=[kx, ky], sigma=[sigma, sigma])
