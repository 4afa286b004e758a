"""The model registry: ``train.model`` in params.yaml names a builder registered here.

A new model is one file with one decorated builder function, plus its import in ``fvc/models/__init__.py``;
``build_model`` finds it by name. The contracts, checked here with a clear error:

- ``kind="clip"`` (torch): the builder takes keyword arguments, including ``dropout`` (before the classifier) and
  ``snippet`` (consecutive frames per snippet of the clips; a model may ignore it) plus its own options from
  ``models.<name>`` in params.yaml, and returns an ``nn.Module`` mapping ``(x, mask=None)``, x (N, 3, T, H, W) in
  [0, 1] and mask None or (N, 1, T|1, H, W) bool, to one logit per clip, shape (N,).
- ``kind="features"`` (scikit-learn): the builder takes ``seed`` plus its options and returns an unfitted
  ``Pipeline`` whose steps include ``prune`` (a selector with ``kept_`` column indices after fitting) and
  ``classify`` (a classifier with ``predict_proba``).
- ``trainable=False`` with a ``reason`` registers a model for comparisons only (the origin's 5e): training it is
  refused with that reason.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import torch
from torch import nn

from fvc.checkpoint import read_checkpoint
from fvc.errors import FvcError

Builder = Callable[..., object]
_BUILDERS: dict[str, Builder] = {}
_KINDS: dict[str, str] = {}
_NOT_TRAINABLE: dict[str, str] = {}
KINDS = ("clip", "features")
REQUIRED_ARGS = {"clip": ("dropout", "snippet"), "features": ("seed",)}  # what the fold strategies pass
PIPELINE_STEPS = ("prune", "classify")  # what the feature strategy reads from a fitted pipeline


def register(
    name: str, kind: str = "clip", *, trainable: bool = True, reason: str = ""
) -> Callable[[Builder], Builder]:
    """Decorator: register ``builder(**kwargs)`` under ``name`` as a ``kind`` model (module docstring).

    ValueError if the name is taken, the kind unknown, the builder cannot take the arguments its kind is always
    given (REQUIRED_ARGS), or a model is not trainable without a reason.
    """
    if kind not in KINDS:
        raise ValueError(f"model kind {kind!r}, expected one of {KINDS}")
    if not trainable and not reason:
        raise ValueError(f"model {name!r}: trainable=False needs the reason users will read")

    def decorate(builder: Builder) -> Builder:
        if name in _BUILDERS and _BUILDERS[name] is not builder:
            raise ValueError(f"model name {name!r} is already registered")
        signature = inspect.signature(builder).parameters
        takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.values())
        lacking = [a for a in REQUIRED_ARGS[kind] if a not in signature and not takes_any]
        if lacking:
            raise ValueError(f"{kind} model builder {name!r} must accept {', '.join(lacking)} (fvc.models.registry)")
        _BUILDERS[name], _KINDS[name] = builder, kind
        if not trainable:
            _NOT_TRAINABLE[name] = reason
        return builder

    return decorate


def check_trainable(name: str) -> None:
    """FvcError naming ``train.model`` if ``name`` is unknown or registered for comparisons only."""
    _check_known(name)
    if name in _NOT_TRAINABLE:
        raise FvcError(f"params.yaml: train.model = {name!r} cannot be trained: {_NOT_TRAINABLE[name]}")


def model_kind(name: str) -> str:
    """``clip`` or ``features`` for a registered model; FvcError naming ``train.model`` for an unknown one."""
    _check_known(name)
    return _KINDS[name]


def _check_known(name: str) -> None:
    if name not in _BUILDERS:
        raise FvcError(f"params.yaml: train.model = {name!r} is not a known model; known: {', '.join(list_models())}")


def list_models() -> list[str]:
    """The registered model names, sorted."""
    return sorted(_BUILDERS)


def build_model(name: str, checkpoint: str | os.PathLike | None = None, **kwargs: object) -> nn.Module:
    """Build the model registered as ``name`` with ``kwargs``; load ``checkpoint`` (a state dict file) if given.

    Weights are never downloaded: models start from random init unless the user supplies a checkpoint, which
    is read with ``weights_only=True`` so a file carrying pickled code is refused, not run.
    Errors: FvcError for an unknown name (naming ``train.model`` and the known names), a missing or refused
    checkpoint, or one whose keys or shapes do not fit the model.
    """
    _check_known(name)
    if _KINDS[name] != "clip":
        raise FvcError(f"model {name} is a {_KINDS[name]} model; build it with build_feature_model")
    model = _BUILDERS[name](**kwargs)
    if checkpoint is not None:
        load_checkpoint(model, checkpoint, name)
    return model


def build_feature_model(name: str, **kwargs: object) -> object:
    """Build the unfitted scikit-learn classifier registered as ``name`` (kind ``features``) with ``kwargs``."""
    _check_known(name)
    if _KINDS[name] != "features":
        raise FvcError(f"model {name} is a {_KINDS[name]} model; build it with build_model")
    check_params(name, kwargs, inspect.signature(_BUILDERS[name]).parameters)
    pipeline = _BUILDERS[name](**kwargs)
    steps = getattr(pipeline, "named_steps", {})
    if any(step not in steps for step in PIPELINE_STEPS):
        raise TypeError(f"feature model {name!r} must build a Pipeline with steps {PIPELINE_STEPS}, got {pipeline!r}")
    return pipeline


def check_params(name: str, kwargs: Mapping[str, object], known: Iterable[str]) -> None:
    """FvcError naming the first of ``kwargs`` that model ``name`` does not take, and the ones it does."""
    known = sorted(known)
    unknown = sorted(set(kwargs) - set(known))
    if unknown:
        raise FvcError(f"model {name} has no parameter {unknown[0]!r}; known: {', '.join(known) or 'none'}")


def load_checkpoint(model: nn.Module, path: str | os.PathLike, name: str = "model") -> None:
    """Load a state dict from ``path`` into ``model`` (strict).

    Accepts a plain state dict or one wrapped as ``{"state_dict": ...}`` / ``{"model_state_dict": ...}``.
    Errors: FvcError "<path>: refused to load checkpoint: ..." when weights-only loading fails (pickled code,
    corrupt file), and FvcError naming the path when it is missing or does not fit ``model``.
    """
    path = Path(path)
    state = read_checkpoint(path)
    for key in ("state_dict", "model_state_dict"):
        if isinstance(state, Mapping) and isinstance(state.get(key), Mapping):
            state = state[key]
    if not isinstance(state, Mapping) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise FvcError(f"{path}: not a state dict (a mapping of parameter names to tensors)")
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as err:
        reason = next((line for line in str(err).splitlines() if "size mismatch" in line or "Missing key" in line), "")
        raise FvcError(f"{path}: checkpoint does not fit model {name}: {(reason or str(err)).strip()[:300]}") from None
