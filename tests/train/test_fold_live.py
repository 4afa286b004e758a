"""Folds trained at once in one checkout race on dvclive's shared VS Code signal file; the fold that loses must not
fail after writing everything (fvc.train.runner._FoldLive)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fvc.train.runner import _FoldLive


def _lose_the_race(monkeypatch: pytest.MonkeyPatch, root: Path) -> Path:
    """A DVC root whose signal file another fold removes between dvclive's exists check and its remove."""
    (root / ".dvc").mkdir()
    monkeypatch.chdir(root)
    monkeypatch.delenv("DVC_ROOT", raising=False)
    signal = root / ".dvc/tmp/exps/run/DVCLIVE_STEP_COMPLETED"
    real_exists = os.path.exists
    monkeypatch.setattr("dvclive.vscode.os.path.exists", lambda p: True if Path(p) == signal else real_exists(p))
    return signal


def test_a_signal_file_another_fold_removed_is_not_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    signal = _lose_the_race(monkeypatch, tmp_path)
    with _FoldLive("live", dvcyaml=False, save_dvc_exp=False, report=None) as live:
        live.log_metric("val_f1", 0.5)
        live.next_step()
        assert signal.exists()
        signal.unlink()  # the other fold's end() got there first
    assert (tmp_path / "live/metrics.json").exists()


def test_other_missing_files_still_fail(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _lose_the_race(monkeypatch, tmp_path)

    def broken_end(self) -> None:
        raise FileNotFoundError(2, "No such file or directory", str(tmp_path / "live/metrics.json"))

    monkeypatch.setattr("dvclive.Live.end", broken_end)
    with pytest.raises(FileNotFoundError):
        _FoldLive("live", dvcyaml=False, save_dvc_exp=False, report=None).end()
