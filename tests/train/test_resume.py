"""A fold killed with SIGKILL mid-training resumes from last.pt and ends exactly as an uninterrupted run."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import polars as pl
import pytest

from fvc.train import TrainParams
from tests.train.helpers import TRAIN, write_patch_clips

MODEL = {"stem_width": 4, "widths": [8, 8, 8], "forensic_inputs": True}

RUNNER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    import polars as pl
    from fvc.train import ClipModelTraining, TrainParams, run_fold

    work, kill_at = Path(sys.argv[1]), int(sys.argv[2])
    data = Path(sys.argv[3])

    def hook(epoch):
        if epoch == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    run_fold(
        0,
        ClipModelTraining(data / "clips", after_epoch_logged=hook),
        params=TrainParams(**{TRAIN!r}),
        model_options={MODEL!r},
        seed=42,
        table=pl.read_parquet(data / "clips.parquet"),
        folds=pl.read_parquet(data / "folds.parquet"),
        live_dir=work / "live",
        model_dir=work / "model",
    )
    """
)


@pytest.fixture(scope="module")
def clip_data(tmp_path_factory) -> Path:
    """16 random 4x32x32 clips in 8 groups, where fakes carry a brighter patch; 2 folds."""
    return write_patch_clips(tmp_path_factory.mktemp("clips"), groups=8)


def _run(work: Path, data: Path, kill_at: int, train: dict = TRAIN) -> subprocess.CompletedProcess:
    """Train fold 0 in a new process; it SIGKILLs itself after logging epoch ``kill_at`` (-1: never)."""
    script = RUNNER.replace("{TRAIN!r}", repr(train)).replace("{MODEL!r}", repr(MODEL))
    return subprocess.run(
        [sys.executable, "-c", script, str(work), str(kill_at), str(data)], capture_output=True, text=True
    )


def _outcome(work: Path) -> dict[str, bytes]:
    files = [*sorted((work / "live").rglob("*.tsv")), work / "live" / "metrics.json", work / "model" / "best.pt"]
    out = {str(f.relative_to(work)): f.read_bytes() for f in files}
    out["predictions"] = pl.read_parquet(work / "live" / "predictions.parquet").write_csv().encode()
    return out


def test_sigkill_then_rerun_resumes_and_matches_an_uninterrupted_run(tmp_path: Path, clip_data: Path) -> None:
    TrainParams(**TRAIN)  # the runner's params are valid
    whole = _run(tmp_path / "whole", clip_data, kill_at=-1)
    assert whole.returncode == 0, whole.stderr

    killed = _run(tmp_path / "killed", clip_data, kill_at=2)
    assert killed.returncode == -signal.SIGKILL
    assert (tmp_path / "killed" / "model" / "last.pt").exists()  # epoch 1's state; epoch 2 was logged, not saved
    resumed = _run(tmp_path / "killed", clip_data, kill_at=-1)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming after epoch 1" in resumed.stdout

    assert _outcome(tmp_path / "killed") == _outcome(tmp_path / "whole")
    assert not (tmp_path / "killed" / "model" / "last.pt").exists()


def test_a_last_checkpoint_from_other_params_is_not_resumed(tmp_path: Path, clip_data: Path) -> None:
    work = tmp_path / "w"
    assert _run(work, clip_data, kill_at=1).returncode == -signal.SIGKILL
    rerun = _run(work, clip_data, kill_at=-1, train={**TRAIN, "lr": 1e-3})
    assert rerun.returncode == 0, rerun.stderr
    assert "resuming" not in rerun.stdout
    steps = (work / "live" / "plots" / "metrics" / "val_f1.tsv").read_text().splitlines()
    assert [line.split("\t")[0] for line in steps[1:]] == [str(e) for e in range(len(steps) - 1)]
