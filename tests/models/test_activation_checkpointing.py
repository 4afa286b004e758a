"""Activation checkpointing of the Variable-AR CNN changes memory, never the numbers a training step produces."""

from __future__ import annotations

import pytest
import torch

from fvc.errors import FvcError
from fvc.models import build_model

OPTIONS = dict(stem_width=8, widths=[16, 24], dropout=0.0)


def step(checkpointing: bool, mask: torch.Tensor | None, snippet: int = 1) -> tuple[dict, dict, torch.Tensor]:
    """One training forward + backward from the same weights and input: (gradients, buffers, logits).

    10 frames: the checkpointed stem runs them as 4 + 4 + 2 (STEM_FRAMES), so runs start inside and at the
    boundaries of snippets of 1, 2 and 4 frames.
    """
    torch.manual_seed(0)
    model = build_model("variable_ar_cnn", activation_checkpointing=checkpointing, snippet=snippet, **OPTIONS)
    model.train()
    x = torch.rand(2, 3, 10, 64, 96, generator=torch.Generator().manual_seed(1))
    logits = model(x, mask)
    logits.square().sum().backward()
    grads = {name: p.grad.clone() for name, p in model.named_parameters()}
    buffers = {name: b.clone() for name, b in model.named_buffers()}
    return grads, buffers, logits.detach()


@pytest.mark.parametrize(("masked", "snippet"), [(False, 1), (True, 2), (True, 4)])
def test_checkpointing_gives_the_same_gradients_and_running_statistics(masked: bool, snippet: int) -> None:
    mask = None
    if masked:  # the second clip is shorter and padded at the right and bottom, as in a mixed bucket batch
        mask = torch.ones(2, 1, 10, 64, 96, dtype=torch.bool)
        mask[1, :, 7:] = False
        mask[1, :, :, 48:, :] = False
        mask[1, :, :, :, 64:] = False
    plain_grads, plain_buffers, plain_logits = step(False, mask, snippet)
    ckpt_grads, ckpt_buffers, ckpt_logits = step(True, mask, snippet)
    # The stem's convolution runs on runs of frames: the same sums, possibly in another order.
    torch.testing.assert_close(ckpt_logits, plain_logits, rtol=1e-5, atol=1e-6)
    assert plain_grads.keys() == ckpt_grads.keys()
    for name in plain_grads:
        torch.testing.assert_close(ckpt_grads[name], plain_grads[name], rtol=1e-4, atol=1e-6, msg=name)
    # Recomputation in backward must not move BatchNorm's running statistics, nor count a second batch.
    for name in plain_buffers:
        torch.testing.assert_close(ckpt_buffers[name], plain_buffers[name], rtol=1e-5, atol=1e-7, msg=name)
    counts = {name: int(b) for name, b in ckpt_buffers.items() if name.endswith("num_batches_tracked")}
    assert counts and set(counts.values()) == {1}, counts


def test_checkpointing_keeps_fewer_tensors_for_backward() -> None:
    """Bytes of activations autograd keeps at the end of the forward: checkpointing keeps each segment's input and
    the stem's convolution output."""

    def kept_bytes(checkpointing: bool) -> int:
        torch.manual_seed(0)
        model = build_model("variable_ar_cnn", activation_checkpointing=checkpointing, **OPTIONS).train()
        storages: dict[int, int] = {}

        def pack(t: torch.Tensor) -> torch.Tensor:
            storages[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
            return t

        x = torch.rand(2, 3, 8, 64, 64)
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            logits = model(x)
        logits.sum().backward()  # recomputation saves happen here, outside the count
        held = {p.untyped_storage().data_ptr() for p in model.parameters()} | {x.untyped_storage().data_ptr()}
        return sum(n for ptr, n in storages.items() if ptr not in held)  # activations: not weights, not the input

    plain, checkpointed = kept_bytes(False), kept_bytes(True)
    assert checkpointed < plain / 4, (plain, checkpointed)


def test_eval_and_no_grad_ignore_checkpointing() -> None:
    torch.manual_seed(0)
    model = build_model("variable_ar_cnn", activation_checkpointing=True, **OPTIONS).eval()
    x = torch.rand(1, 3, 4, 64, 64)
    with torch.no_grad():
        a = model(x)
    b = model(x).detach()
    torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_checkpointing_flag_must_be_a_boolean() -> None:
    with pytest.raises(FvcError, match="activation_checkpointing = 'yes'"):
        build_model("variable_ar_cnn", activation_checkpointing="yes", **OPTIONS)
