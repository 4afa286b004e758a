"""torchvision's 3D ResNets (r3d_18, mc3_18, r2plus1d_18), from random init, with one logit per clip.

Never pretrained: nothing is downloaded at run time (a user may pass ``checkpoint`` to ``build_model``).
The network's AdaptiveAvgPool3d is replaced by masked global average pooling, with the mask resized to the last
feature map by nearest interpolation. Unlike ``variable_ar_cnn`` the mask is not carried through the convolutions:
padding still enters the features near the border and the BatchNorm statistics; only the pooling ignores it.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models import video

from fvc.models.pooling import masked_global_avg_pool, valid_mask
from fvc.models.registry import check_params, register


class VideoResNetClassifier(nn.Module):
    """A torchvision VideoResNet backbone → masked GAP → dropout → Linear(512, 1). (N,3,T,H,W) → (N,)."""

    def __init__(self, backbone: video.VideoResNet, dropout: float = 0.5) -> None:
        super().__init__()
        # Drop the classifier parts; keep the backbone's own module names for its state-dict keys.
        del backbone.avgpool, backbone.fc
        self.backbone = backbone
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(512, 1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """x (N, 3, T, H, W) in [0, 1]; mask None or (N, 1, T|1, H, W) → logits (N,)."""
        x = (x - 0.5) / 0.25
        mask = valid_mask(x, mask)
        if mask is not None:
            x = x * mask  # padding at the normalised zero, as the convs' own zero padding
        b = self.backbone
        h = b.layer4(b.layer3(b.layer2(b.layer1(b.stem(x)))))  # (N, 512, T/8, H/16, W/16), roughly
        if mask is not None:
            size = (1 if mask.shape[2] == 1 else h.shape[2], h.shape[3], h.shape[4])
            mask = F.interpolate(mask.float(), size=size, mode="nearest") > 0.5
        return self.head(self.dropout(masked_global_avg_pool(h, mask))).squeeze(1)


def _builder(name: str) -> Callable[..., VideoResNetClassifier]:
    """Register torchvision's ``name`` (params: ``dropout``) and return its builder."""
    make = getattr(video, name)

    def build(**kwargs: object) -> VideoResNetClassifier:
        """Build it; FvcError for a param other than ``dropout``."""
        # snippet (the clips' frame layout) is accepted and unused: these convolve time as one sequence.
        check_params(name, kwargs, ("dropout", "snippet"))
        return VideoResNetClassifier(make(weights=None), dropout=float(kwargs.get("dropout", 0.5)))  # type: ignore[arg-type]

    build.__name__ = name
    build.__doc__ = f"torchvision {name} from random init (weights=None), one logit per clip; param: dropout."
    return register(name)(build)


r3d_18 = _builder("r3d_18")
mc3_18 = _builder("mc3_18")
r2plus1d_18 = _builder("r2plus1d_18")
