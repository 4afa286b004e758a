"""Early stopping on validation F1 (ties broken by validation AUC)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class EarlyStopping:
    """Track the best epoch by (F1, AUC), compared lexicographically; stop after ``patience`` epochs without one.

    AUC breaks ties because F1 on a small validation set moves in coarse steps and often repeats; NaN AUC
    (a one-class validation set) counts as lower than any number.
    """

    patience: int
    best_epoch: int = -1
    best: tuple[float, float] = field(default=(-math.inf, -math.inf))
    epochs_without_improvement: int = 0

    def step(self, epoch: int, f1: float, auc: float) -> bool:
        """Record an epoch's validation scores; returns True if it is the new best."""
        score = (_num(f1), _num(auc))
        if score > self.best:
            self.best, self.best_epoch, self.epochs_without_improvement = score, epoch, 0
            return True
        self.epochs_without_improvement += 1
        return False

    @property
    def should_stop(self) -> bool:
        return self.epochs_without_improvement >= self.patience

    def state_dict(self) -> dict:
        return {"best_epoch": self.best_epoch, "best": list(self.best), "wait": self.epochs_without_improvement}

    def load_state_dict(self, state: dict) -> None:
        self.best_epoch, self.best = state["best_epoch"], tuple(state["best"])
        self.epochs_without_improvement = state["wait"]


def _num(x: float) -> float:
    return -math.inf if x is None or math.isnan(x) else float(x)
