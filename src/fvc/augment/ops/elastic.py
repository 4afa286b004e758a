"""elastic: a smooth local warp, the same for every frame (lens distortion, compression wobble)."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as nnf
import torchvision.transforms.v2.functional as F

from fvc.augment.registry import BILINEAR, SEED_RANGE, draw_seed, register, uniform

ALPHA = (0.005, 0.015)  # max displacement as a fraction of the side (1-4 px at 256): lens/compression wobble
GRID = 8  # control points per side: warps ~1/8 of the frame wide, local (an eye, a cheek), not a tilt
RANGES = {"alpha": ALPHA, "grid": (GRID, GRID), "seed": SEED_RANGE}


def draw(rng: np.random.Generator) -> dict:
    return {"alpha": uniform(rng, ALPHA), "grid": GRID, "seed": draw_seed(rng)}


@register("elastic", kind="spatial", order=40, ranges=RANGES, draw=draw)
def elastic(video: torch.Tensor, params: dict, ids: np.ndarray) -> torch.Tensor:
    # A smooth random field: uniform displacements at grid x grid control points, bicubically interpolated to
    # the frame. Drawn on the fixed grid, not per pixel, so it is the same warp at every resolution.
    height, width = video.shape[-2:]
    grid = int(params["grid"])
    rng = np.random.Generator(np.random.PCG64(params["seed"]))
    coarse = torch.from_numpy(rng.uniform(-1.0, 1.0, size=(1, 2, grid, grid)).astype(np.float32))
    field = nnf.interpolate(coarse, size=(height, width), mode="bicubic", align_corners=True)
    # grid_sample coordinates span [-1, 1] over a side, so a fraction ``alpha`` of the side is 2 * alpha.
    displacement = (2.0 * params["alpha"] * field).permute(0, 2, 3, 1).contiguous()  # (1, H, W, 2): (x, y)
    return F.elastic_transform(video, displacement, interpolation=BILINEAR)
