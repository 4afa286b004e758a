"""The learning-rate schedule: linear warm-up, then cosine annealing, stepped once per epoch."""

from __future__ import annotations

from torch.optim import Optimizer
from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, LRScheduler, SequentialLR


def warmup_cosine(optimizer: Optimizer, *, epochs: int, warmup_epochs: int, warmup_factor: float) -> LRScheduler:
    """Warm up linearly from ``warmup_factor`` x lr over ``warmup_epochs``, then cosine-anneal to 0 at ``epochs``.

    Step it once per epoch, after the epoch. Epoch e trains at: lr * (f + (1 - f) * e / w) for e < w, then
    lr * (1 + cos(pi * (e - w) / (epochs - w))) / 2.
    """
    cosine = CosineAnnealingLR(optimizer, T_max=max(1, epochs - warmup_epochs), eta_min=0.0)
    if warmup_epochs <= 0:
        return cosine
    warmup = LinearLR(optimizer, start_factor=warmup_factor, end_factor=1.0, total_iters=warmup_epochs)
    return SequentialLR(optimizer, schedulers=[warmup, cosine], milestones=[warmup_epochs])
