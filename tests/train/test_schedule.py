"""The LR schedule: linear warm-up from 0.1x, then cosine to zero."""

from __future__ import annotations

import math

import pytest
import torch

from fvc.train.schedule import warmup_cosine


def _lrs(epochs: int, warmup: int, factor: float = 0.1, lr: float = 5e-4) -> list[float]:
    opt = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    sched = warmup_cosine(opt, epochs=epochs, warmup_epochs=warmup, warmup_factor=factor)
    out = []
    for _ in range(epochs):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


def test_warmup_starts_at_a_tenth_and_reaches_full_lr() -> None:
    lrs = _lrs(epochs=10, warmup=2)
    assert lrs[0] == pytest.approx(5e-5)
    assert lrs[1] == pytest.approx(5e-4 * 0.55)
    assert lrs[2] == pytest.approx(5e-4)


def test_cosine_decays_to_near_zero_at_the_end() -> None:
    lrs = _lrs(epochs=10, warmup=2)
    assert lrs[-1] == pytest.approx(5e-4 * (1 + math.cos(math.pi * 7 / 8)) / 2)
    assert all(a > b for a, b in zip(lrs[2:], lrs[3:], strict=False))


def test_no_warmup_is_plain_cosine() -> None:
    assert _lrs(epochs=4, warmup=0)[0] == pytest.approx(5e-4)
