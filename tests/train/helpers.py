"""The train section the training tests start from: small, fast, fp32, deterministic."""

from __future__ import annotations

TRAIN = dict(
    model="variable_ar_cnn",
    epochs=5,
    batch_size=2,
    effective_batch_size=4,
    lr=5e-3,
    betas=(0.9, 0.999),
    weight_decay=1e-4,
    warmup_epochs=1,
    warmup_factor=0.1,
    grad_clip=1.0,
    patience=5,
    dropout=0.5,
    amp="off",
    val_fraction=0.25,
    class_weighting=True,
    threshold=0.5,
)


def train_section(**overrides: object) -> dict:
    """``TRAIN`` with ``overrides``: keyword arguments of fvc.train.TrainParams."""
    return {**TRAIN, **overrides}
