"""The committed dvc.lock is true: a fresh clone's `dvc repro` would rewrite no code, params or command entry.

Checked in a copy of the repository's tracked files with no data: a data dependency that is simply absent does
not count, a code dependency (a file or folder under src/ or stages/), a params.yaml value, a stage's command,
and the set of stages do. The finder is tested on a toy pipeline too, so a pass here means a true lock.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from tests.pipeline.conftest import REPO, _tracked_files, set_params

pytestmark = pytest.mark.slow

CODE = ("src/", "stages/")


def stale_lock_entries(root: Path, env: dict[str, str]) -> list[str]:
    """What `dvc repro` in ``root`` would change in dvc.lock other than data: one line per stale entry.

    Lines: a stage in dvc.lock but not in dvc.yaml or the reverse, a changed command, a changed code dependency
    (under src/ or stages/) and a changed, new or deleted param. Changes of data dependencies and outputs are
    left out, so the answer does not depend on whether data is present.
    """

    def dvc(*args: str) -> str:
        proc = subprocess.run(["dvc", *args], cwd=root, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise AssertionError(f"dvc {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
        return proc.stdout

    stages = set(dvc("stage", "list", "--name-only", "--fail").split())
    lock = yaml.safe_load((root / "dvc.lock").read_text()) if (root / "dvc.lock").exists() else None
    locked = set((lock or {}).get("stages", {}))
    stale = [f"{name}: in dvc.lock but not in dvc.yaml" for name in sorted(locked - stages)]
    stale += [f"{name}: in dvc.yaml but not in dvc.lock" for name in sorted(stages - locked)]
    for name, changes in json.loads(dvc("status", "--json")).items():
        if name not in stages or name not in locked:  # a .dvc file's data, or a stage reported above
            continue
        for change in changes:
            if change == "changed command":
                stale.append(f"{name}: command changed")
            if not isinstance(change, dict):
                continue
            for dep, state in change.get("changed deps", {}).items():
                if isinstance(state, dict):  # a params file: {key: state}
                    stale += [f"{name}: param {key} ({dep}) {how}" for key, how in state.items()]
                elif dep.startswith(CODE):
                    stale.append(f"{name}: {dep} {state}")
    return stale


def test_the_committed_dvc_lock_matches_the_code_and_params(tmp_path: Path, dvc_env: dict[str, str]) -> None:
    repo = tmp_path / "repo"
    for rel in _tracked_files():
        if (REPO / rel).is_file() and not rel.startswith(("data/raw/", "results/", "models/")):
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, repo / rel)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    stale = stale_lock_entries(repo, dvc_env)
    if stale:
        pytest.fail(
            f"dvc.lock is stale; run `dvc repro` and commit dvc.lock. {len(stale)} entries:\n" + "\n".join(stale)
        )


TOY_DVC_YAML = """\
stages:
  count:
    cmd: python stages/count.py
    deps:
      - stages/count.py
    params:
      - n
    outs:
      - data/numbers.txt
  scale:
    cmd: python stages/scale.py
    deps:
      - stages/scale.py
      - src/toy
      - data/numbers.txt
    params:
      - factor
    outs:
      - data/scaled.txt
"""
TOY_FILES = {
    "dvc.yaml": TOY_DVC_YAML,
    "params.yaml": "n: 3\nfactor: 2\n",
    "src/toy/__init__.py": "def scale(x, factor):\n    return x * factor\n",
    "stages/count.py": """\
        import yaml
        n = yaml.safe_load(open("params.yaml"))["n"]
        open("data/numbers.txt", "w").write("\\n".join(map(str, range(n))))
    """,
    "stages/scale.py": """\
        import sys
        import yaml
        sys.path.insert(0, "src")
        from toy import scale
        factor = yaml.safe_load(open("params.yaml"))["factor"]
        numbers = open("data/numbers.txt").read().split()
        open("data/scaled.txt", "w").write("\\n".join(str(scale(int(x), factor)) for x in numbers))
    """,
}


@pytest.fixture(scope="module")
def reproduced_toy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A toy DVC project (two stages, a code folder, two params) after `dvc repro`, its data then deleted."""
    root = tmp_path_factory.mktemp("toy")
    env = dict(os.environ, DVC_NO_ANALYTICS="1", DVC_SITE_CACHE_DIR=str(root.parent / f"{root.name}-site-cache"))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    for rel, text in TOY_FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text))
    (root / "data").mkdir()
    for cmd in (["git", "init", "-q"], ["dvc", "init", "-q"], ["dvc", "repro"]):
        subprocess.run(cmd, cwd=root, env=env, check=True, capture_output=True)
    assert (root / "data" / "scaled.txt").read_text() == "0\n2\n4"
    shutil.rmtree(root / "data")  # as in a fresh clone: no outputs, no cache
    shutil.rmtree(root / ".dvc" / "cache")
    return root


@pytest.fixture
def toy(reproduced_toy: Path, tmp_path: Path) -> Path:
    """A copy of the reproduced toy project, for one test to edit."""
    return Path(shutil.copytree(reproduced_toy, tmp_path / "toy", symlinks=True))


def test_a_reproduced_pipeline_without_its_data_has_no_stale_entry(toy: Path, dvc_env: dict[str, str]) -> None:
    assert not (toy / "data").exists()
    assert stale_lock_entries(toy, dvc_env) == []


@pytest.mark.parametrize("code", ["src/toy/__init__.py", "stages/count.py"])
def test_an_edited_code_dependency_is_stale(toy: Path, dvc_env: dict[str, str], code: str) -> None:
    with (toy / code).open("a") as fh:
        fh.write("# edited\n")
    stage, dep = ("scale", "src/toy") if code.startswith("src/") else ("count", code)
    assert stale_lock_entries(toy, dvc_env) == [f"{stage}: {dep} modified"]


def test_a_changed_param_is_stale(toy: Path, dvc_env: dict[str, str]) -> None:
    set_params(toy, factor=3)
    assert stale_lock_entries(toy, dvc_env) == ["scale: param factor (params.yaml) modified"]


def test_a_changed_command_is_stale(toy: Path, dvc_env: dict[str, str]) -> None:
    dvc_yaml = toy / "dvc.yaml"
    dvc_yaml.write_text(dvc_yaml.read_text().replace("python stages/count.py", "python -u stages/count.py"))
    assert stale_lock_entries(toy, dvc_env) == ["count: command changed"]


def test_a_renamed_stage_is_stale_under_both_names(toy: Path, dvc_env: dict[str, str]) -> None:
    dvc_yaml = toy / "dvc.yaml"
    dvc_yaml.write_text(dvc_yaml.read_text().replace("  scale:", "  multiply:"))
    assert stale_lock_entries(toy, dvc_env) == [
        "scale: in dvc.lock but not in dvc.yaml",
        "multiply: in dvc.yaml but not in dvc.lock",
    ]
