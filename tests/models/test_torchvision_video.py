"""torchvision's 3D ResNets: built from random init, one logit per clip, masked pooling."""

from __future__ import annotations

import pytest
import torch

from fvc.errors import FvcError
from fvc.models import build_model


@pytest.mark.parametrize("name", ["r3d_18", "mc3_18", "r2plus1d_18"])
def test_builds_without_weights_and_gives_one_logit_per_clip(name: str) -> None:
    model = build_model(name).eval()
    mask = torch.ones(1, 1, 1, 32, 32, dtype=torch.bool)
    mask[..., 20:, :] = False
    with torch.no_grad():
        plain = model(torch.rand(1, 3, 4, 32, 32))
        masked = model(torch.rand(1, 3, 4, 32, 32), mask)
    assert plain.shape == masked.shape == (1,)
    assert torch.isfinite(plain).all() and torch.isfinite(masked).all()


def test_the_head_is_one_logit_behind_dropout() -> None:
    model = build_model("r3d_18", dropout=0.3)
    assert model.head.out_features == 1 and model.dropout.p == 0.3
    assert not hasattr(model.backbone, "fc")


def test_unknown_params_are_a_user_error() -> None:
    with pytest.raises(FvcError, match="model mc3_18 has no parameter 'pretrained'"):
        build_model("mc3_18", pretrained=True)
