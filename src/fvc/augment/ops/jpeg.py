"""jpeg: every frame JPEG-compressed at one drawn quality, as frames saved or re-shared as images are.

Per frame (libjpeg-turbo through Pillow, 4:2:0 chroma), so unlike ``h264`` a frame's result does not depend on
the rest of the clip: 8x8 blocking and ringing without motion artefacts.
"""

from __future__ import annotations

import io

import numpy as np
import torch
from PIL import Image

from fvc.augment.registry import register, uniform

# libjpeg's quality (integer). 95 leaves fine texture nearly intact (frames dumped at high quality, as deepfake
# datasets' frame folders often are); 30 is a heavily re-shared image: visible 8x8 blocks, face still clear.
QUALITY = (30, 95)
SUBSAMPLING_420 = 2  # Pillow's code for 4:2:0 chroma, libjpeg's default, set so a Pillow update cannot change it


def draw(rng: np.random.Generator) -> dict:
    # One uniform draw, floored to an integer: each quality in QUALITY equally likely
    return {"quality": min(int(uniform(rng, (QUALITY[0], QUALITY[1] + 1))), QUALITY[1])}


def compress(frame: np.ndarray, quality: int) -> np.ndarray:
    """uint8 (H, W, 3) RGB -> the same frame after a JPEG round trip at ``quality``, same shape and dtype."""
    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format="JPEG", quality=quality, subsampling=SUBSAMPLING_420)
    buffer.seek(0)
    with Image.open(buffer) as image:
        return np.asarray(image.convert("RGB"))


@register("jpeg", kind="spatial", order=130, ranges={"quality": QUALITY}, draw=draw)
def jpeg(video: torch.Tensor, params: dict, ids: np.ndarray) -> torch.Tensor:
    # Codecs take 8-bit frames: the clip is rounded to uint8 here (the only extra rounding in a recipe).
    frames = video.mul(255).round_().clamp_(0, 255).to(torch.uint8).permute(0, 2, 3, 1).contiguous().numpy()
    out = torch.from_numpy(np.stack([compress(frame, int(params["quality"])) for frame in frames]))
    return out.permute(0, 3, 1, 2).to(torch.float32).div_(255)  # (T, C, H, W) over (T, H, W, C) memory
