"""torchvision's 3D ResNets: built from random init, one logit per clip, masked pooling.

The mask zeroes the padding of the (normalised) input and is left out of the final average; it is not carried
through the convolutions (see fvc.models.torchvision_video), so these tests ask only for what that gives, in
eval mode: the padding's content never reaches the logit, and the padding's features are left out of the pool.
"""

from __future__ import annotations

import pytest
import torch

from fvc.errors import FvcError
from fvc.models import build_model

NAMES = ["r3d_18", "mc3_18", "r2plus1d_18"]


@pytest.fixture(scope="module", params=NAMES)
def model(request: pytest.FixtureRequest) -> torch.nn.Module:
    """Each model once per module, in eval mode (the tests only run it under no_grad)."""
    torch.manual_seed(0)
    return build_model(request.param).eval()


def _bottom_half_padded() -> torch.Tensor:
    """A (1, 1, 1, 32, 32) mask whose bottom half is padding: large enough to cover a cell of the 2x2 last map."""
    mask = torch.ones(1, 1, 1, 32, 32, dtype=torch.bool)
    mask[..., 16:, :] = False
    return mask


@pytest.mark.parametrize("name", NAMES)
def test_builds_without_weights_and_gives_one_logit_per_clip(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_download(*args: object, **kwargs: object) -> None:
        raise AssertionError("weights were requested")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", no_download)
    torch.manual_seed(0)
    model = build_model(name).eval()
    clips = torch.rand(2, 3, 4, 32, 32, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        logits = model(clips)
        one_by_one = torch.cat([model(clip[None]) for clip in clips])
    assert logits.shape == (2,) and torch.isfinite(logits).all()
    torch.testing.assert_close(logits, one_by_one)  # each logit depends on its own clip only


def test_an_all_valid_mask_gives_the_unmasked_logits(model: torch.nn.Module) -> None:
    clips = torch.rand(2, 3, 4, 32, 32, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.testing.assert_close(model(clips, torch.ones(2, 1, 1, 32, 32, dtype=torch.bool)), model(clips))


def test_what_lies_outside_the_mask_does_not_reach_the_logit(model: torch.nn.Module) -> None:
    mask = _bottom_half_padded()
    gen = torch.Generator().manual_seed(1)
    content = torch.rand(1, 3, 4, 32, 32, generator=gen)
    other_padding = torch.where(mask, content, torch.rand(1, 3, 4, 32, 32, generator=gen))
    with torch.no_grad():
        torch.testing.assert_close(model(content, mask), model(other_padding, mask))
        assert not torch.allclose(model(content), model(other_padding))  # without the mask, the padding counts


def test_the_padding_features_are_left_out_of_the_pool(model: torch.nn.Module) -> None:
    # Padding already at the normalised zero (0.5), so masking the input changes nothing: only the pool differs.
    mask = _bottom_half_padded()
    clip = torch.where(mask, torch.rand(1, 3, 4, 32, 32, generator=torch.Generator().manual_seed(1)), 0.5)
    with torch.no_grad():
        assert not torch.allclose(model(clip, mask), model(clip))


def test_the_head_is_one_logit_behind_dropout() -> None:
    model = build_model("r3d_18", dropout=0.3)
    assert model.head.out_features == 1 and model.dropout.p == 0.3
    assert not hasattr(model.backbone, "fc")


def test_unknown_params_are_a_user_error() -> None:
    with pytest.raises(FvcError, match="model mc3_18 has no parameter 'pretrained'"):
        build_model("mc3_18", pretrained=True)
