"""Activation memory, counted without running the network: forward hooks on the ``meta`` device.

The count is the sum of every leaf module's output elements for one forward pass: a proxy of the activations
autograd keeps for backward (in-place ReLUs share storage with their input, and concatenations are not
counted, so it is neither a strict upper nor lower bound, but it compares architectures fairly).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from torch import nn

from fvc.models.origin_5e import Origin5e


def activation_elements(model: nn.Module, input_shape: Sequence[int]) -> int:
    """Elements output by all leaf modules of ``model`` on an input of ``input_shape`` (N, 3, T, H, W).

    Runs on a copy moved to the ``meta`` device, so a 500-frame 256² clip costs no memory and ``model`` is
    untouched. Multiply by the element size (4 for float32) for bytes. Errors: whatever the model raises for
    an input of that shape.
    """
    probe = copy.deepcopy(model).to("meta").eval()
    total = 0

    def count(_module: nn.Module, _inputs: object, output: object) -> None:
        nonlocal total
        outputs = output if isinstance(output, tuple | list) else (output,)
        total += sum(t.numel() for t in outputs if isinstance(t, torch.Tensor))

    hooks = [m.register_forward_hook(count) for m in probe.modules() if not list(m.children())]
    try:
        with torch.no_grad():
            probe(torch.empty(tuple(input_shape), device="meta"))
    finally:
        for hook in hooks:
            hook.remove()
    return total


def build_origin_5e_spec() -> nn.Module:
    """The origin's Model 5e (``origin_5e`` in the registry), built on the meta device: no memory, no weights."""
    with torch.device("meta"):
        return Origin5e()
