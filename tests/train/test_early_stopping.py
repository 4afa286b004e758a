"""Early stopping on validation F1, ties broken by AUC."""

from __future__ import annotations

import math

from fvc.train.early_stopping import EarlyStopping


def test_stops_after_patience_epochs_without_improvement() -> None:
    stopper = EarlyStopping(patience=2)
    assert stopper.step(0, f1=0.5, auc=0.5)
    assert not stopper.step(1, f1=0.4, auc=0.9)
    assert not stopper.should_stop
    assert not stopper.step(2, f1=0.5, auc=0.5)
    assert stopper.should_stop and stopper.best_epoch == 0


def test_auc_breaks_f1_ties_and_resets_patience() -> None:
    stopper = EarlyStopping(patience=2)
    stopper.step(0, f1=0.667, auc=0.5)
    stopper.step(1, f1=0.6, auc=0.6)
    assert stopper.step(2, f1=0.667, auc=0.7)
    assert stopper.best_epoch == 2 and stopper.epochs_without_improvement == 0


def test_nan_auc_ranks_below_any_number() -> None:
    stopper = EarlyStopping(patience=3)
    stopper.step(0, f1=0.5, auc=math.nan)
    assert stopper.step(1, f1=0.5, auc=0.1)


def test_state_round_trips() -> None:
    a = EarlyStopping(patience=3)
    a.step(0, 0.5, 0.5)
    a.step(1, 0.4, 0.4)
    b = EarlyStopping(patience=3)
    b.load_state_dict(a.state_dict())
    assert (b.best, b.best_epoch, b.epochs_without_improvement) == (a.best, a.best_epoch, a.epochs_without_improvement)
