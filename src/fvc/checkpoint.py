"""Checkpoints: written atomically, read with ``weights_only=True`` so a file can never run code."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

import fvc
from fvc.atomic import atomic_path
from fvc.errors import FvcError


def save_checkpoint(path: str | os.PathLike, *, state_dict: dict, params: dict, **extra: Any) -> Path:
    """Save {state_dict, params, fvc_version, **extra} to ``path`` atomically. Returns the path."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        # Through a file object: given a path, torch.save names the archive's root folder after the (random)
        # temporary file name, and identical checkpoints would differ byte for byte.
        torch.save({"state_dict": state_dict, "params": params, "fvc_version": fvc.__version__, **extra}, fh)
    return Path(path)


def read_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Load a checkpoint with ``torch.load(weights_only=True)``.

    Raises FvcError if the file is missing, or refused because it carries pickled code or is not a checkpoint.
    """
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise FvcError(f"{path}: checkpoint not found") from None
    except Exception as err:  # any failure here means "not a plain weights file"
        raise FvcError(f"{path}: refused to load checkpoint (weights_only=True): {_reason(err)}") from None


def _reason(err: Exception) -> str:
    """One line from a torch error: the unpickler's verdict if present, else the first non-empty line."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    for line in lines:
        if "WeightsUnpickler error" in line:
            return line[:300]
    return (lines[0] if lines else type(err).__name__)[:300]
