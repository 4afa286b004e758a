"""Benchmark B7: a fresh clone to metrics, timed phase by phase (goal: at most 15 minutes on 2 cores).

Clones this repository's committed HEAD into a temporary folder and runs the README's first command, `make demo`,
as its three phases: `make setup` (the venv from requirements.txt; pip's wheel cache is used as a user's would
be), `make corpus` (`fvc synth` for both embedded corpora, or a pull), and `dvc repro` (every stage). Then it
checks what a user would: `git status` is clean, the metrics files exist, and a second `dvc repro` runs nothing.

    python bench/bench_end_to_end.py [--keep DIR] [--json F]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Seconds ``cmd`` took; exits with its output's tail if it failed."""
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stdout + done.stderr)[-3000:]
        raise SystemExit(f"bench_end_to_end: {' '.join(cmd)} failed (exit {done.returncode}):\n{tail}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", help="clone into this folder and keep it (default: a temporary folder)")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="fvc-e2e-"))
    work.mkdir(parents=True, exist_ok=True)
    clone = work / "fvc"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p)
    started = time.perf_counter()
    phases = {"clone": timed(["git", "clone", "--quiet", str(REPO), str(clone)], work, env)}
    phases["make setup"] = timed(["make", "setup"], clone, env)
    phases["make corpus"] = timed(["make", "corpus"], clone, env)
    dvc = str(clone / ".venv" / "bin" / "dvc")
    env_repro = {**env, "PATH": f"{clone / '.venv' / 'bin'}{os.pathsep}{env['PATH']}"}
    phases["dvc repro"] = timed([dvc, "repro"], clone, env_repro)
    total = time.perf_counter() - started
    status = subprocess.run(["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True).stdout
    again = subprocess.run([dvc, "repro"], cwd=clone, env=env_repro, capture_output=True, text=True).stdout
    metrics = json.loads((clone / "results" / "metrics.json").read_text())
    result = {
        "phases_s": {k: round(v, 1) for k, v in phases.items()},
        "total_s": round(total, 1),
        "total_min": round(total / 60, 2),
        "within_15_min": total <= 15 * 60,
        "git_status_clean": status.strip() == "",
        "second_repro_runs_nothing": "up to date" in again,
        "cv_auc_mean": metrics["mean"]["auc_roc"],
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
    }
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
