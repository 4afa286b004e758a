"""A temporary copy of the repository, with a tiny corpus, for running the real stages through `dvc repro`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


def _tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, check=True, capture_output=True).stdout
    return [p for p in out.decode().split("\0") if p]


@pytest.fixture
def dvc_env(tmp_path: Path) -> dict[str, str]:
    return dvc_environment(tmp_path)


def dvc_environment(tmp_path: Path) -> dict[str, str]:
    """The environment the pipeline tests run dvc in: this venv first on PATH, a site cache under ``tmp_path``."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["DVC_NO_ANALYTICS"] = "1"
    env["DVC_SITE_CACHE_DIR"] = str(tmp_path / "dvc-site-cache")
    env["GIT_AUTHOR_NAME"] = env["GIT_COMMITTER_NAME"] = "fvc tests"
    env["GIT_AUTHOR_EMAIL"] = env["GIT_COMMITTER_EMAIL"] = "tests@fvc.invalid"
    return env


@pytest.fixture
def repo_copy(tmp_path: Path, dvc_env: dict[str, str]) -> Callable[..., subprocess.CompletedProcess]:
    return copy_repo(tmp_path, dvc_env)


def copy_repo(tmp_path: Path, dvc_env: dict[str, str]) -> Callable[..., subprocess.CompletedProcess]:
    """Copy the repo's tracked files into a new git repo with tiny corpora; return a runner of commands there.

    The runner takes a command list and returns the completed process (check=True, output captured).
    """
    from fvc.synth import generate_corpus

    repo = tmp_path / "repo"
    for rel in _tracked_files():
        src = REPO / rel
        if not src.exists() or rel.startswith(("data/raw/", "data/cross/", "results/", "models/")):
            continue
        dst = repo / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
    for rel in ("dvc.lock", "results/metrics.json"):  # the copy starts from nothing reproduced
        (repo / rel).unlink(missing_ok=True)
    generate_corpus(repo / "data" / "raw", seed=0, size="tiny", workers=1, progress=False)
    generate_corpus(repo / "data" / "cross", size="tiny", identities="held_out", workers=1, progress=False)

    def run(cmd: list[str], check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run(cmd, cwd=repo, env=dvc_env, capture_output=True, text=True)
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
        return proc

    run(["git", "init", "-q"])
    run(["dvc", "add", "-q", "data/raw", "data/cross"])  # tiny corpora replace the default ones (data.dvc, cross.dvc)
    run(["git", "add", "-A"])
    run(["git", "commit", "-qm", "tiny corpus"])
    run.root = repo  # type: ignore[attr-defined]
    return run


# A small training the end-to-end tests share: two epochs of a tiny net on 4-frame, 64-px clips (~40 s on 2 cores).
SMALL_TRAINING = {
    "train.epochs": 2,
    "train.val_fraction": 0.45,
    "scale.frames": 4,
    "scale.max_dim": 64,
    "models.variable_ar_cnn.stem_width": 8,
    "models.variable_ar_cnn.widths": [16, 16, 16],
}


def set_params(root: Path, **dotted: object) -> None:
    """Set params.yaml values by dotted key, e.g. set_params(root, **{"cv.folds": [0, 1]})."""
    path = root / "params.yaml"
    params = yaml.safe_load(path.read_text())
    for key, value in dotted.items():
        node = params
        *parents, leaf = key.split(".")
        for p in parents:
            node = node[p]
        node[leaf] = value
    path.write_text(yaml.safe_dump(params, sort_keys=False))
