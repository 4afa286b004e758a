"""scripts/slurm: one DVC process (the driver) fans scale@s, features@s and train@k out as array tasks, under a real
SLURM (a one-node cluster started by the `slurm_cluster` fixture) or as local processes (--local -j N), and gets the
metrics of a plain `dvc repro` of the same params and data.

Every run here uses one torch thread (OMP_NUM_THREADS=1): float sums depend on the thread count, and results are
bit-identical only for the same count on the same CPU.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.pipeline.conftest import REPO, SMALL_TRAINING, set_params

pytestmark = pytest.mark.slow

SMALL = {"cv.folds": [0, 1], "shards": [0, 1], **SMALL_TRAINING}  # the end-to-end tests' small training, 2 shards
ARRAY_STAGES = {"scale@0", "scale@1", "features@0", "features@1", "train@0", "train@1"}


def run_in(root: Path, env: dict[str, str], cmd: list[str], check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def metrics(root: Path) -> dict[str, dict]:
    """Every metrics file dvc.yaml declares (its top-level `metrics:`), read."""
    declared = yaml.safe_load((root / "dvc.yaml").read_text())["metrics"]
    return {name: json.loads((root / name).read_text()) for name in declared}


def task_spans(root: Path) -> dict[str, tuple[float, float, str]]:
    """From the driver's task logs: stage@id -> (started, finished, the log's first line)."""
    spans = {}
    for log in root.glob(".dvc/tmp/slurm/*/*.log"):
        lines = [line.split() for line in log.read_text().splitlines() if line.startswith("task ")]
        started = next(float(w[3]) for w in lines if w[2] == "started")
        finished = next(float(w[3]) for w in lines if w[2] == "finished")
        spans[log.stem] = (started, finished, " ".join(lines[0]))
    return spans


def ran_at_once(spans: dict[str, tuple[float, float, str]], *names: str) -> bool:
    return max(spans[n][0] for n in names) < min(spans[n][1] for n in names)


@pytest.fixture(scope="module")
def store() -> dict[str, Path]:
    return {}


@pytest.fixture
def small_repo(repo_copy, dvc_env: dict[str, str], store: dict[str, Path]) -> Path:
    """repo_copy with SMALL params committed, nothing reproduced. The first use in the module also runs a plain
    `dvc repro` in a copy of it: store["reference"], the result every driver run must equal."""
    dvc_env["OMP_NUM_THREADS"] = "1"  # the one thread count of every run here (repo_copy runs with this env too)
    root = repo_copy.root
    set_params(root, **SMALL)
    repo_copy(["git", "commit", "-qam", "2 shards, 2 folds, small training"])
    if "reference" not in store:
        reference = Path(shutil.copytree(root, root.parent / "reference", symlinks=True))
        run_in(reference, dvc_env, ["dvc", "repro"])
        store["reference"] = reference
    return root


def test_the_slurm_driver_gives_the_metrics_of_a_plain_dvc_repro(
    small_repo: Path, store: dict[str, Path], dvc_env: dict[str, str], slurm_cluster: dict[str, str]
) -> None:
    env = dvc_env | slurm_cluster
    out = run_in(small_repo, env, ["scripts/slurm/run.sh"]).stdout
    assert "sbatch --wait" in out and "--array=0,1" in out
    assert metrics(small_repo) == metrics(store["reference"])
    assert json.loads(run_in(small_repo, env, ["dvc", "status", "--json"]).stdout) == {}
    spans = task_spans(small_repo)
    assert set(spans) == ARRAY_STAGES
    assert all(" as SLURM job " in first for _, _, first in spans.values())
    assert ran_at_once(spans, "train@0", "train@1")  # 1 CPU a task, 2 CPUs on the node
    again = run_in(small_repo, env, ["scripts/slurm/run.sh"]).stdout  # nothing changed: nothing submitted
    assert "sbatch" not in again and "train: 2 stages up to date" in again


def test_local_mode_trains_folds_at_once_with_the_metrics_of_one_after_the_other(
    small_repo: Path, store: dict[str, Path], dvc_env: dict[str, str], tmp_path: Path
) -> None:
    """From the reference's upstream outputs: only the folds and what follows them run again, two folds at once."""
    root = Path(shutil.copytree(store["reference"], tmp_path / "parallel", symlinks=True))
    shutil.rmtree(root / "models")
    shutil.rmtree(root / "results")
    env = dvc_env
    out = run_in(root, env, ["scripts/slurm/run.sh", "--local", "-j", "2"]).stdout
    assert "scale: 2 stages up to date" in out and "train: tasks 0,1, 2 at a time" in out and "sbatch" not in out
    assert metrics(root) == metrics(store["reference"])
    assert json.loads(run_in(root, env, ["dvc", "status", "--json"]).stdout) == {}
    spans = task_spans(root)
    assert set(spans) == {"train@0", "train@1"} and ran_at_once(spans, "train@0", "train@1")
    by_hand = run_in(root, env | {"SLURM_ARRAY_TASK_ID": "1"}, ["scripts/slurm/task.sh", "scale"]).stdout
    assert "task scale@1: started" in by_hand and "scale@1: " in by_hand
    assert json.loads(run_in(root, env, ["dvc", "status", "--json"]).stdout) == {}  # the same outputs again


def test_the_driver_refuses_to_run_outside_the_repository_root(tmp_path: Path) -> None:
    proc = run_in(tmp_path, {"PATH": "/usr/bin:/bin"}, [str(REPO / "scripts/slurm/run.sh")], check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"run.sh: run from the repository root (no dvc.yaml and .dvc/ in {tmp_path})"


def test_the_driver_without_sbatch_asks_for_local_mode(tmp_path: Path) -> None:
    (tmp_path / "dvc.yaml").write_text("stages: {}\n")
    (tmp_path / ".dvc").mkdir()
    proc = run_in(
        tmp_path, {"PATH": str(tmp_path)}, [sys.executable, str(REPO / "scripts/slurm/driver.py")], check=False
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith("driver: sbatch not found: run on a SLURM login node, or pass --local")


def test_a_task_without_an_array_id_says_how_to_give_one(tmp_path: Path) -> None:
    proc = run_in(
        tmp_path, {"PATH": "/usr/bin:/bin"}, ["bash", str(REPO / "scripts/slurm/task.sh"), "train"], check=False
    )
    assert proc.returncode == 2
    assert "set SLURM_ARRAY_TASK_ID or pass it as the second argument" in proc.stderr
