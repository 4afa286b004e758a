"""Layers that carry a validity mask through strides, so padding never leaks into features or statistics.

Every layer here uses "same" padding with odd kernels: a stride-s layer maps a length-n axis to ceil(n / s),
exactly the length of ``mask[..., ::s]``, so the mask is downsampled by slicing at the layer's own stride.
Padding sits at the bottom/right (and the end in time), so the valid region stays a prefix at every scale.

Why masking makes a padded clip behave like the unpadded one: after every layer the padded region is set to
zero, which is what a zero-padded convolution sees beyond the border of the unpadded clip; max-pools see
zeros there instead of -inf, which changes nothing because their inputs are post-ReLU (>= 0) and every valid
output's window contains a valid input (its centre).
"""

from __future__ import annotations

import torch
from torch import nn


def subsample_mask(mask: torch.Tensor | None, stride: tuple[int, int, int]) -> torch.Tensor | None:
    """The mask at a same-padded layer's output: ``mask[:, :, ::st, ::sh, ::sw]`` (a time-constant mask stays so)."""
    if mask is None:
        return None
    st, sh, sw = stride
    return mask[:, :, :: st if mask.shape[2] > 1 else 1, ::sh, ::sw]


def same_padding(kernel: tuple[int, int, int]) -> tuple[int, int, int]:
    """Padding (k - 1) / 2 per axis; kernels must be odd so the output length is ceil(n / stride)."""
    if any(k % 2 == 0 for k in kernel):
        raise ValueError(f"kernel {kernel}: odd sizes only (same padding)")
    return tuple((k - 1) // 2 for k in kernel)  # type: ignore[return-value]


class MaskedBatchNorm3d(nn.BatchNorm3d):
    """BatchNorm3d whose training statistics count only valid voxels.

    With no mask, or in eval mode (running statistics, an affine map), it is plain BatchNorm3d. In training with
    a mask, mean and variance come from the masked voxels only, and the running statistics are updated from them,
    so a padded batch normalises as if its padding were absent.
    """

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """x (N, C, T, H, W), mask None or (N, 1, T|1, H, W) nonzero on valid voxels → normalised x."""
        if mask is None or not self.training:
            return super().forward(x)
        # Statistics in float32 even under autocast: bf16 sums over ~1e6 voxels lose the mean.
        xf = x.float()
        m = mask.to(torch.float32)
        count = (m.sum() * (x.shape[2] if m.shape[2] == 1 else 1)).clamp_min(2)
        dims = (0, 2, 3, 4)
        mean = (xf * m).sum(dims) / count  # (C,)
        centred = xf - mean.view(1, -1, 1, 1, 1)
        var = (centred.square() * m).sum(dims) / count  # (C,), biased, as BatchNorm normalises with
        if self.track_running_stats and self.running_mean is not None and self.running_var is not None:
            with torch.no_grad():
                self.num_batches_tracked += 1
                momentum = self.momentum if self.momentum is not None else 1.0 / float(self.num_batches_tracked)
                self.running_mean.lerp_(mean.detach(), momentum)
                self.running_var.lerp_(var.detach() * count / (count - 1), momentum)
        y = centred * torch.rsqrt(var + self.eps).view(1, -1, 1, 1, 1)
        if self.affine:
            y = y * self.weight.view(1, -1, 1, 1, 1) + self.bias.view(1, -1, 1, 1, 1)
        return y.to(x.dtype)


class ConvBNReLU(nn.Module):
    """Conv3d (same padding, no bias) → masked BatchNorm → ReLU → zero the padding. (N, Cin, ...) → (N, Cout, ...)."""

    def __init__(
        self, c_in: int, c_out: int, kernel: tuple[int, int, int], stride: tuple[int, int, int] = (1, 1, 1)
    ) -> None:
        super().__init__()
        self.stride = stride
        self.conv = nn.Conv3d(c_in, c_out, kernel, stride, same_padding(kernel), bias=False)
        self.bn = MaskedBatchNorm3d(c_out)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(x, mask at x's size) → (features, mask at the output size); padding is zero in the output."""
        x = self.conv(x)  # (N, Cout, ceil(T/st), ceil(H/sh), ceil(W/sw))
        mask = subsample_mask(mask, self.stride)
        x = self.relu(self.bn(x, mask))
        # Out of place: ReLU's backward needs its own output unchanged.
        return (x if mask is None else x * mask), mask


class MaskedMaxPool3d(nn.Module):
    """Same-padded max-pool that downsamples the mask with it and zeroes the padding of its output."""

    def __init__(self, kernel: tuple[int, int, int], stride: tuple[int, int, int]) -> None:
        super().__init__()
        self.stride = stride
        self.pool = nn.MaxPool3d(kernel, stride, same_padding(kernel))

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(x >= 0, mask at x's size) → (pooled x, mask at the output size); padding is zero in the output."""
        x = self.pool(x)
        mask = subsample_mask(mask, self.stride)
        # Needed even though inputs are zero-padded: a window centred just past the valid edge still reaches it.
        return (x if mask is None else x * mask), mask


class MaskedSequential(nn.Sequential):
    """nn.Sequential for layers that take and return ``(x, mask)``."""

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:  # type: ignore[override]
        """Thread ``(x, mask)`` through the layers in order."""
        for layer in self:
            x, mask = layer(x, mask)
        return x, mask
