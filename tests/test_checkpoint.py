"""Checkpoints load with weights_only=True: tensors load, pickled code is refused."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import torch

from fvc.checkpoint import read_checkpoint, save_checkpoint
from fvc.errors import FvcError


class _Payload:
    def __reduce__(self):
        return (print, ("code ran while loading",))


def test_round_trip(tmp_path: Path) -> None:
    path = save_checkpoint(tmp_path / "m" / "best.pt", state_dict={"w": torch.ones(2)}, params={"lr": 1e-3}, epoch=3)
    ckpt = read_checkpoint(path)
    assert torch.equal(ckpt["state_dict"]["w"], torch.ones(2))
    assert ckpt["epoch"] == 3 and ckpt["params"] == {"lr": 1e-3} and "fvc_version" in ckpt
    assert [p.name for p in path.parent.iterdir()] == ["best.pt"]  # no temporary file left behind


def test_pickled_code_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "evil.pt"
    torch.save({"state_dict": {}, "payload": _Payload()}, path)
    with pytest.raises(FvcError, match=r"evil.pt: refused to load checkpoint \(weights_only=True\)"):
        read_checkpoint(path)
    assert "code ran" not in capsys.readouterr().out


def test_raw_pickle_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "raw.pt"
    path.write_bytes(pickle.dumps(_Payload()))
    with pytest.raises(FvcError, match="refused to load checkpoint"):
        read_checkpoint(path)


def test_missing_checkpoint(tmp_path: Path) -> None:
    with pytest.raises(FvcError, match="checkpoint not found"):
        read_checkpoint(tmp_path / "none.pt")


def test_identical_checkpoints_are_identical_bytes(tmp_path: Path) -> None:
    a = save_checkpoint(tmp_path / "a" / "best.pt", state_dict={"w": torch.arange(4.0)}, params={})
    b = save_checkpoint(tmp_path / "b" / "other.pt", state_dict={"w": torch.arange(4.0)}, params={})
    assert a.read_bytes() == b.read_bytes()  # so dvc.lock does not change between identical runs
