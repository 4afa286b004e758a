"""masked_global_avg_pool: the mean over valid voxels only."""

from __future__ import annotations

import pytest
import torch

from fvc.models.pooling import masked_global_avg_pool


def test_without_mask_it_is_the_plain_mean() -> None:
    x = torch.randn(2, 4, 3, 5, 6)
    assert torch.allclose(masked_global_avg_pool(x, None), x.mean(dim=(2, 3, 4)))


@pytest.mark.parametrize("dtype", [torch.bool, torch.float32])
def test_spatial_mask_equals_pooling_the_unpadded_clips(dtype: torch.dtype) -> None:
    x = torch.randn(2, 4, 3, 8, 9)
    sizes = [(5, 9), (8, 4)]
    mask = torch.zeros(2, 1, 1, 8, 9, dtype=dtype)
    for i, (h, w) in enumerate(sizes):
        mask[i, :, :, :h, :w] = 1
    pooled = masked_global_avg_pool(x, mask)
    for i, (h, w) in enumerate(sizes):
        assert torch.allclose(pooled[i], x[i, :, :, :h, :w].mean(dim=(1, 2, 3)), atol=1e-6)


def test_time_varying_mask_equals_pooling_the_unpadded_clips() -> None:
    x = torch.randn(2, 3, 6, 4, 4)
    mask = torch.ones(2, 1, 6, 4, 4, dtype=torch.bool)
    mask[1, :, 2:] = False
    mask[1, :, :, 3:] = False
    pooled = masked_global_avg_pool(x, mask)
    assert torch.allclose(pooled[0], x[0].mean(dim=(1, 2, 3)), atol=1e-6)
    assert torch.allclose(pooled[1], x[1, :, :2, :3].mean(dim=(1, 2, 3)), atol=1e-6)


def test_an_empty_mask_pools_to_zero_not_nan() -> None:
    assert torch.equal(
        masked_global_avg_pool(torch.randn(1, 2, 2, 3, 3), torch.zeros(1, 1, 1, 3, 3)), torch.zeros(1, 2)
    )


def test_a_mask_of_the_wrong_size_is_refused() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        masked_global_avg_pool(torch.randn(1, 2, 2, 3, 3), torch.ones(1, 1, 1, 3, 4))
