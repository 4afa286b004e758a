"""Validity masks and masked global average pooling: the mean over valid (non-padding) voxels only."""

from __future__ import annotations

import torch


def masked_global_avg_pool(x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Average ``x`` over time and space, counting only the voxels ``mask`` marks valid.

    Inputs: ``x`` (N, C, T, H, W); ``mask`` None, or bool/float broadcastable to (N, 1, T, H, W), i.e.
    (N, 1, T, H, W) or (N, 1, 1, H, W), nonzero where a voxel is real content.
    Output: (N, C). With ``mask`` None it is the plain mean (what AdaptiveAvgPool3d(1) gives).
    A sample whose mask is all zero pools to zeros rather than NaN.
    Errors: ValueError if ``mask`` has the wrong rank, or its batch, H or W differ from ``x``.
    """
    if mask is None:
        return x.mean(dim=(2, 3, 4))
    n, _, t, h, w = x.shape
    if mask.dim() != 5 or mask.shape[0] != n or mask.shape[1] != 1 or mask.shape[3:] != (h, w):
        raise ValueError(f"mask of shape {tuple(mask.shape)} does not fit features of shape {tuple(x.shape)}")
    m = mask.to(x.dtype)
    num = (x * m).sum(dim=(2, 3, 4))  # (N, C)
    # A time-constant mask (N, 1, 1, H, W) counts each valid pixel once per frame.
    den = m.sum(dim=(2, 3, 4)) * (t if m.shape[2] == 1 else 1)  # (N, 1)
    return num / den.clamp_min(1)


def valid_mask(x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor | None:
    """Check a model input's ``mask`` against ``x`` (N, C, T, H, W) and return it as bool (nonzero = valid).

    Bool, so multiplying an activation by it keeps the activation's dtype (bf16 under autocast).
    Errors: ValueError unless ``mask`` is (N, 1, T, H, W) or (N, 1, 1, H, W).
    """
    if mask is None:
        return None
    if (
        mask.dim() != 5
        or mask.shape[:2] != (x.shape[0], 1)
        or mask.shape[2] not in (1, x.shape[2])
        or (mask.shape[3:] != x.shape[3:])
    ):
        raise ValueError(f"mask of shape {tuple(mask.shape)} does not fit input {tuple(x.shape)}")
    return mask if mask.dtype == torch.bool else mask != 0
