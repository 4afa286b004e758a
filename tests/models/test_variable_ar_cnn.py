"""variable_ar_cnn: any size at or above the minimums runs, and padding under a mask changes nothing."""

from __future__ import annotations

import functools

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from fvc.errors import FvcError
from fvc.models import build_model
from fvc.models.variable_ar_cnn import MIN_HW, MIN_T, VariableARCNN, total_stride

TINY = {"stem_width": 4, "widths": (8, 8, 16), "dropout": 0.0}


@functools.cache
def tiny_eval_model() -> VariableARCNN:
    torch.manual_seed(0)
    return build_model("variable_ar_cnn", **TINY).eval()


def randomise_running_stats(model: torch.nn.Module) -> None:
    """Give BatchNorm non-trivial running statistics so eval mode is not the identity affine map."""
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm3d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
            module.bias.data.uniform_(-0.5, 0.5)


def pad(clip: torch.Tensor, t: int, h: int, w: int, fill: float) -> tuple[torch.Tensor, torch.Tensor]:
    """clip (1, C, T0, H0, W0) → (padded (1, C, t, h, w) with ``fill`` beyond the clip, mask (1, 1, t, h, w))."""
    _, c, t0, h0, w0 = clip.shape
    padded = torch.full((1, c, t, h, w), fill)
    padded[:, :, :t0, :h0, :w0] = clip
    mask = torch.zeros(1, 1, t, h, w, dtype=torch.bool)
    mask[:, :, :t0, :h0, :w0] = True
    return padded, mask


@settings(max_examples=25, deadline=None)
@given(
    t=st.integers(MIN_T, 10),
    h=st.integers(MIN_HW, 80),
    w=st.integers(MIN_HW, 80),
    n=st.integers(1, 2),
)
def test_any_size_above_the_minimums_gives_one_finite_logit_per_clip(t: int, h: int, w: int, n: int) -> None:
    with torch.no_grad():
        out = tiny_eval_model()(torch.rand(n, 3, t, h, w))
    assert out.shape == (n,) and torch.isfinite(out).all()


@pytest.mark.parametrize(("h", "w"), [(144, 256), (256, 144), (256, 256), (112, 256)])
def test_the_corpus_aspect_ratios_run(h: int, w: int) -> None:
    with torch.no_grad():
        out = tiny_eval_model()(torch.rand(1, 3, 4, h, w))
    assert out.shape == (1,) and torch.isfinite(out).all()


def test_training_mode_runs_at_the_minimum_size_with_two_clips() -> None:
    model = build_model("variable_ar_cnn", **TINY).train()
    model(torch.rand(2, 3, MIN_T, MIN_HW, MIN_HW)).sum().backward()


def test_sizes_below_the_minimums_still_run_in_eval_mode() -> None:
    with torch.no_grad():
        assert tiny_eval_model()(torch.rand(1, 3, 1, 5, 3)).shape == (1,)


def test_total_stride_is_32_for_the_defaults_and_follows_the_stage_count() -> None:
    assert total_stride() == 32 == build_model("variable_ar_cnn", **TINY).total_stride()
    assert total_stride(widths=[8, 8]) == 16


@pytest.mark.parametrize("fill", [0.0, 0.7])
def test_eval_output_of_a_padded_clip_equals_the_unpadded_clip(fill: float) -> None:
    """Holds exactly up to float rounding: padding in time and space, any fill value, odd sizes."""
    torch.manual_seed(1)
    model = build_model("variable_ar_cnn", **TINY)
    randomise_running_stats(model)
    model.eval()
    clip = torch.rand(1, 3, 5, 37, 51)
    padded, mask = pad(clip, 8, 64, 96, fill)
    with torch.no_grad():
        alone, masked, unmasked = model(clip), model(padded, mask), model(padded)
    assert torch.allclose(masked, alone, atol=1e-5)
    assert not torch.allclose(unmasked, alone, atol=1e-3)  # without the mask, padding does leak in


def test_each_clip_of_a_mixed_batch_scores_as_it_would_alone() -> None:
    torch.manual_seed(2)
    model = build_model("variable_ar_cnn", **TINY)
    randomise_running_stats(model)
    model.eval()
    small, large = torch.rand(1, 3, 4, 40, 70), torch.rand(1, 3, 4, 48, 72)
    padded, mask = pad(small, 4, 48, 72, 0.0)
    x = torch.cat([padded, large])
    mask = torch.cat([mask[:, :, :1], torch.ones(1, 1, 1, 48, 72, dtype=torch.bool)])  # time-constant mask
    with torch.no_grad():
        batch = model(x, mask)
        assert torch.allclose(batch, torch.cat([model(small), model(large)]), atol=1e-5)


def test_training_step_on_a_padded_clip_equals_the_unpadded_clip() -> None:
    """BatchNorm batch statistics, running statistics and gradients all ignore the padding (batch of one).

    The clip is big enough that no deepest-stage channel is constant: BatchNorm of a constant is 0/0 noise.
    """
    torch.manual_seed(3)
    a = build_model("variable_ar_cnn", **TINY).train()
    b = build_model("variable_ar_cnn", **TINY).train()
    b.load_state_dict(a.state_dict())
    clip = torch.rand(1, 3, 8, 72, 100)
    padded, mask = pad(clip, 10, 96, 128, 0.3)
    out_a, out_b = a(clip), b(padded, mask)
    assert torch.allclose(out_a, out_b, atol=1e-5)
    out_a.sum().backward()
    out_b.sum().backward()
    for (name, pa), pb in zip(a.named_parameters(), b.parameters(), strict=True):
        assert torch.allclose(pa.grad, pb.grad, atol=1e-4, rtol=1e-3), name
    for (name, sa), sb in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
        assert torch.allclose(sa.float(), sb.float(), atol=1e-5), name


def test_raw_rgb_variant_has_three_input_channels() -> None:
    model = build_model("variable_ar_cnn", forensic_inputs=False, **TINY)
    assert model.stem[0].conv.in_channels == 3
    assert build_model("variable_ar_cnn", **TINY).stem[0].conv.in_channels == 9


def test_bad_config_is_a_user_error() -> None:
    with pytest.raises(FvcError, match="widths"):
        build_model("variable_ar_cnn", widths=[4])
    with pytest.raises(FvcError, match="no parameter 'depth'"):
        build_model("variable_ar_cnn", depth=3)


def test_a_mask_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        tiny_eval_model()(torch.rand(1, 3, 2, 32, 32), torch.ones(1, 1, 1, 32, 16))


def test_a_padded_bf16_training_step_keeps_bf16_activations_and_finite_grads() -> None:
    model = build_model("variable_ar_cnn", **TINY).train()
    mask = torch.ones(2, 1, 1, 40, 48)  # a float mask works as well as a bool one
    mask[0, ..., 30:, :] = 0
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = model(torch.rand(2, 3, 4, 40, 48), mask)
    assert out.dtype == torch.bfloat16
    out.float().sum().backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters())
