"""params.yaml's ``train`` section: the training method, one value per setting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fvc.errors import FvcError
from fvc.models import check_trainable
from fvc.params import load_section


@dataclass(frozen=True)
class TrainParams:
    """params.yaml's ``train`` section (see the comments there for each value's reason)."""

    model: str
    epochs: int
    batch_size: int
    effective_batch_size: int
    lr: float
    betas: tuple[float, float]
    weight_decay: float
    warmup_epochs: int
    warmup_factor: float
    grad_clip: float
    patience: int
    dropout: float
    amp: str  # auto | off | bf16 | fp16
    val_fraction: float
    class_weighting: bool
    threshold: float
    init_checkpoint: str | None = None
    copy_sampling: str = "view"  # view | all: how augmented copies enter an epoch (fvc.train.clip_model)
    nproc_per_node: int = 1  # > 1: the fold runs as that many torchrun processes (fvc.train.distributed)
    fake_methods: str | tuple[str, ...] = "all"  # the manipulation methods whose fakes train and validate

    def __post_init__(self) -> None:
        check_trainable(self.model)
        if self.batch_size < 1 or self.effective_batch_size < self.batch_size:
            raise FvcError(
                f"params.yaml: train.effective_batch_size = {self.effective_batch_size} must be >="
                f" train.batch_size = {self.batch_size} >= 1"
            )
        if self.amp not in ("auto", "off", "bf16", "fp16"):
            raise FvcError(f"params.yaml: train.amp = {self.amp!r}, expected auto, off, bf16 or fp16")
        if self.epochs < 1:
            raise FvcError(f"params.yaml: train.epochs = {self.epochs}, expected >= 1")
        if self.nproc_per_node < 1 or self.accumulation_steps % self.nproc_per_node:
            raise FvcError(
                f"params.yaml: train.nproc_per_node = {self.nproc_per_node} must be >= 1 and divide the"
                f" {self.accumulation_steps} micro-batches of an optimiser step (train.effective_batch_size"
                f" {self.effective_batch_size} / train.batch_size {self.batch_size}): each process runs an equal share"
            )
        methods = self.fake_methods
        if methods != "all" and (
            not isinstance(methods, tuple) or not methods or not all(isinstance(m, str) and m for m in methods)
        ):
            raise FvcError(
                f"params.yaml: train.fake_methods = {methods!r}, expected all or a non-empty list of method names"
            )
        if self.copy_sampling not in ("view", "all"):
            raise FvcError(f"params.yaml: train.copy_sampling = {self.copy_sampling!r}, expected view or all")

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> TrainParams:
        """Build from the whole params.yaml mapping; FvcError names unknown, missing or invalid keys."""
        return load_section(cls, params, "train", betas=tuple, fake_methods=_methods)

    @property
    def accumulation_steps(self) -> int:
        return max(1, self.effective_batch_size // self.batch_size)


def _methods(value: Any) -> Any:
    """params.yaml's fake_methods: ``all`` as is, a list as a tuple (hashable; checked by TrainParams)."""
    return tuple(value) if isinstance(value, list) else value
