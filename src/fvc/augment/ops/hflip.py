"""hflip: every frame mirrored left to right, as a front camera or a shot from the other side shows a face."""

from __future__ import annotations

import numpy as np
import torch
import torchvision.transforms.v2.functional as F

from fvc.augment.registry import no_params, register


@register("hflip", kind="spatial", order=10, ranges={}, draw=no_params)
def hflip(video: torch.Tensor, params: dict, ids: np.ndarray) -> torch.Tensor:
    return F.horizontal_flip(video)
