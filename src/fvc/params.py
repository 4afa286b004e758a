"""Reading params.yaml, the one source of truth for every setting."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any, TypeVar

import yaml

from fvc.errors import FvcError

T = TypeVar("T")


def load_params(path: str | os.PathLike = "params.yaml") -> dict[str, Any]:
    """Return params.yaml as a dict. Raises FvcError if it is missing or not a YAML mapping."""
    path = Path(path)
    try:
        params = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FvcError(f"{path}: not found; run from the repository root") from None
    except yaml.YAMLError as err:
        raise FvcError(f"{path}: not valid YAML ({str(err).splitlines()[0]})") from None
    if not isinstance(params, dict):
        raise FvcError(f"{path}: expected a mapping of sections, got {type(params).__name__}")
    return params


def require(params: dict[str, Any], dotted: str, kind: type | tuple[type, ...]) -> Any:
    """Return ``params[a][b]...`` for ``dotted`` = "a.b", checking its type; FvcError names the key if not."""
    node: Any = params
    for key in dotted.split("."):
        if not isinstance(node, dict) or key not in node:
            raise FvcError(f"params.yaml: missing parameter {dotted}")
        node = node[key]
    if isinstance(node, bool) and kind is not bool and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise FvcError(f"params.yaml: {dotted} = {node!r}, expected {_kind_name(kind)}")
    if not isinstance(node, kind):
        raise FvcError(f"params.yaml: {dotted} = {node!r}, expected {_kind_name(kind)}")
    return node


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(k.__name__ for k in kinds)


def resolve_workers(workers: int) -> int:
    """``workers`` from params: 0 means all cores."""
    if workers < 0:
        raise FvcError(f"params.yaml: workers = {workers}, expected 0 (all cores) or a positive count")
    return workers or (os.cpu_count() or 1)


def load_section(cls: type[T], params: dict[str, Any], name: str, **convert: Callable[[Any], Any]) -> T:
    """Build dataclass ``cls`` from params.yaml's section ``name``; ``convert`` maps a field to a converter
    (e.g. ``betas=tuple``). FvcError names the section's unknown or missing keys.
    """
    section = require(params, name, dict)
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(section) - names)
    if unknown:
        raise FvcError(f"params.yaml: unknown parameter(s) {name}.{f', {name}.'.join(unknown)}")
    missing = sorted(f.name for f in fields(cls) if f.name not in section and f.default is MISSING)
    if missing:
        raise FvcError(f"params.yaml: missing parameter(s) {name}.{f', {name}.'.join(missing)}")
    return cls(**{k: convert[k](v) if k in convert else v for k, v in section.items()})


def index_list(params: dict[str, Any], name: str) -> list[int]:
    """A params list that must be 0..n-1 (``shards``, ``cv.folds``): one source of truth for the stages that
    dvc.yaml's ``foreach`` makes from it. FvcError for anything else."""
    value = require(params, name, list)
    if not value or value != list(range(len(value))):
        raise FvcError(f"params.yaml: {name} = {value!r}, expected a list 0..n-1 such as [0] or [0, 1, 2, 3]")
    return value
