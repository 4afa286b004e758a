"""The origin's "Model 5e" reproduced for comparison only: Inception3D at full resolution. Not for training.

Faithful to what made it untrainable: every conv has stride 1, the 3×3×3 and 5×5×5 branches run directly on the
full-width input (no 1×1×1 reduction), nothing downsamples until AdaptiveAvgPool3d, and padding is averaged in
(the mask is ignored). At 500 frames × 256² its leaf-module outputs come to ~10.6e9 elements (~42 GB in float32),
the order of the origin's reported ~48 GB.
"""

from __future__ import annotations

import torch
from torch import nn

from fvc.models.registry import check_params, register


def _conv_bn_relu(c_in: int, c_out: int, k: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv3d(c_in, c_out, k, padding=k // 2), nn.BatchNorm3d(c_out), nn.ReLU(inplace=True))


class Origin5eBlock(nn.Module):
    """1×1×1 | 3×3×3 | 5×5×5 | 3×3×3 max-pool → 1×1×1, each Cout/4 wide, all on the full input. Shape-preserving."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        b = c_out // 4
        self.branches = nn.ModuleList(
            [
                _conv_bn_relu(c_in, b, 1),
                _conv_bn_relu(c_in, b, 3),
                _conv_bn_relu(c_in, b, 5),
                nn.Sequential(nn.MaxPool3d(3, stride=1, padding=1), _conv_bn_relu(c_in, b, 1)),
            ]
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, Cin, T, H, W) → (N, Cout, T, H, W)."""
        return torch.cat([branch(x) for branch in self.branches], dim=1)


class Origin5e(nn.Module):
    """Inception3D blocks (3 → 32 → 64) → AdaptiveAvgPool3d → dropout → linear logit. (N,3,T,H,W) → (N,)."""

    def __init__(self, widths: tuple[int, ...] = (32, 64), dropout: float = 0.5) -> None:
        super().__init__()
        blocks, c_in = [], 3
        for width in widths:
            blocks.append(Origin5eBlock(c_in, width))
            c_in = width
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool3d(1)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(c_in, 1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """x (N, 3, T, H, W); ``mask`` is accepted for the common signature and ignored, as the origin did."""
        h = self.pool(self.blocks(x)).flatten(1)  # (N, 64)
        return self.head(self.dropout(h)).squeeze(1)  # (N,)


@register(
    "origin_5e",
    trainable=False,
    reason="the origin's Model 5e (no downsampling: about 5 GiB of activations per 8x256x256 clip) is kept for the"
    " memory benchmark only; train variable_ar_cnn, its fixed design",
)
def origin_5e(**kwargs: object) -> Origin5e:
    """The origin's Model 5e (``widths``, ``dropout``; ``snippet`` ignored); for memory comparisons, not training."""
    check_params("origin_5e", kwargs, ("widths", "dropout", "snippet"))
    kwargs.pop("snippet", None)  # the origin convolved time as one sequence
    if "widths" in kwargs:
        kwargs["widths"] = tuple(kwargs["widths"])  # type: ignore[arg-type]
    return Origin5e(**kwargs)  # type: ignore[arg-type]
