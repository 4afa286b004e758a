"""Run the whole pipeline with the per-shard and per-fold stages fanned out as SLURM array tasks.

DVC allows one DVC process per repository at a time (its repo lock, treeverse/dvc #7419), so one process, this
driver, owns the repository and runs every DVC command; the array tasks run only the stages' own commands:

    dvc repro augment                          ingest, split, augment
    sbatch --wait --array=<shards> task.sh scale      then  dvc commit -f scale@0 scale@1 ...
    dvc repro merge_scale
    sbatch --wait --array=<shards> task.sh features   then  dvc commit -f features@0 ...
    dvc repro merge_features
    sbatch --wait --array=<folds> task.sh train       then  dvc commit -f train@0 train@1 ...
    dvc repro                                  the rest: evaluate, crosseval, ...

The array ids are the stages dvc.yaml's `foreach` makes from params.yaml (`shards`, `cv.folds`), as
`dvc stage list` names them; only stages that `dvc status` reports changed are submitted, so a second run after a
failed task reruns just that task. The tasks run in this checkout (its outputs are disjoint per task), which must
therefore lie on a filesystem the compute nodes share. `--local` runs the same tasks as local processes instead.

Usage, from the repository root (scripts/slurm/run.sh puts .venv/bin first on PATH and calls this):
    python scripts/slurm/driver.py [--local] [-j N]

sbatch options, from the environment (FVC_SLURM_<STAGE>_<OPTION>, e.g. FVC_SLURM_TRAIN_GPUS, wins over
FVC_SLURM_<OPTION>); sbatch's own SBATCH_* variables (SBATCH_ACCOUNT, SBATCH_QOS, ...) apply too:
    FVC_SLURM_PARTITION  --partition        (unset: the cluster's default partition)
    FVC_SLURM_TIME       --time             (02:00:00)
    FVC_SLURM_CPUS       --cpus-per-task    (1: two tasks at once on a 2-CPU node)
    FVC_SLURM_MEM        --mem              (unset: the cluster's default)
    FVC_SLURM_GPUS       --gpus             (unset: none)
    FVC_SLURM_EXTRA      further sbatch options, shell-quoted (e.g. "--account=vision --qos=short")
    FVC_SLURM_LOGS       where task logs go (.dvc/tmp/slurm; one folder per driver run)
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

TASK = "scripts/slurm/task.sh"

# (what, target): the pipeline's order. "repro" runs `dvc repro target` in this process (everything upstream of
# the next fan-out; None = the whole rest); "fan_out" runs a foreach group's stages as array tasks.
PLAN: list[tuple[str, str | None]] = [
    ("repro", "augment"),
    ("fan_out", "scale"),
    ("repro", "merge_scale"),
    ("fan_out", "features"),
    ("repro", "merge_features"),
    ("fan_out", "train"),
    ("repro", None),
]

SBATCH_OPTIONS = {  # option -> (sbatch flag, default)
    "PARTITION": ("--partition", None),
    "TIME": ("--time", "02:00:00"),
    "CPUS": ("--cpus-per-task", "1"),
    "MEM": ("--mem", None),
    "GPUS": ("--gpus", None),
}


class DriverError(Exception):
    """A failure the user can act on; printed as one line without a traceback."""


def dvc(*args: str, capture: bool = False) -> str:
    """Run one DVC command in this repository; DriverError if it fails."""
    shown = "dvc " + " ".join(args)
    if not capture:
        print(f"$ {shown}", flush=True)
    proc = subprocess.run(["dvc", *args], text=True, capture_output=capture)
    if proc.returncode != 0:
        last = (proc.stderr or "").strip().splitlines()[-1:] if capture else []
        detail = f": {last[0]}" if last else ""
        raise DriverError(f"`{shown}` exited {proc.returncode}{detail}")
    return proc.stdout if capture else ""


def group_ids(stage_names: list[str], group: str) -> list[int]:
    """The array ids of a foreach group: `scale@0`, `scale@1` -> [0, 1]. DriverError if an id is not an integer."""
    ids = []
    for name in stage_names:
        if name.startswith(f"{group}@"):
            key = name.split("@", 1)[1]
            if not key.isdigit():
                raise DriverError(f"dvc.yaml: stage {name}: an array task needs an integer id, got {key!r}")
            ids.append(int(key))
    if not ids:
        raise DriverError(f"dvc.yaml: no stages {group}@<id> (is {group} still a foreach stage?)")
    return sorted(ids)


def sbatch_options(group: str) -> list[str]:
    """sbatch flags for a group's tasks from FVC_SLURM_<GROUP>_<OPTION> / FVC_SLURM_<OPTION> / the defaults."""
    flags = []
    for option, (flag, default) in SBATCH_OPTIONS.items():
        value = os.environ.get(f"FVC_SLURM_{group.upper()}_{option}") or os.environ.get(f"FVC_SLURM_{option}")
        if value or default:
            flags.append(f"{flag}={value or default}")
    extra = os.environ.get(f"FVC_SLURM_{group.upper()}_EXTRA") or os.environ.get("FVC_SLURM_EXTRA", "")
    return flags + shlex.split(extra)


def run_on_slurm(group: str, ids: list[int], run_dir: Path, jobs: int | None) -> None:
    """Submit one array job for ``ids`` and wait for it (sbatch --wait); Ctrl-C cancels it."""
    array = ",".join(map(str, ids)) + (f"%{jobs}" if jobs else "")
    cmd = [
        "sbatch",
        "--wait",
        "--parsable",
        f"--array={array}",
        f"--job-name=fvc-{group}",
        f"--chdir={Path.cwd()}",
        f"--output={run_dir}/{group}@%a.log",
        *sbatch_options(group),
        TASK,
        group,
    ]
    print(f"$ {shlex.join(cmd)}", flush=True)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    job = (proc.stdout.readline() if proc.stdout else "").strip().split(";")[0]
    if job:
        print(f"{group}: array job {job}, tasks {','.join(map(str, ids))}; logs in {run_dir}/", flush=True)
    try:
        rc = proc.wait()
    except KeyboardInterrupt:
        if job:
            subprocess.run(["scancel", job], check=False)
        raise
    if not job:
        raise DriverError(f"sbatch exited {rc} without submitting the {group} array (its error is above)")


def run_locally(group: str, ids: list[int], run_dir: Path, jobs: int) -> None:
    """Run the tasks as local processes, ``jobs`` at a time, each logging to run_dir/<group>@<id>.log.

    With jobs > 1 each task gets cores / jobs torch threads unless OMP_NUM_THREADS is set: oversubscribed OpenMP
    threads spin (2 folds x 2 threads on 2 cores: 16-19 s; one after the other: 10-11 s). Float sums depend on
    the thread count: results are bit-identical to a run with the same OMP_NUM_THREADS (-j 1 keeps torch's default).
    """
    env = dict(os.environ)
    if jobs > 1:
        env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // jobs)))
    print(
        f"{group}: tasks {','.join(map(str, ids))}, {jobs} at a time"
        f" (OMP_NUM_THREADS={env.get('OMP_NUM_THREADS', 'unset')});"
        f" logs in {run_dir}/",
        flush=True,
    )

    def one(task_id: int) -> None:
        with open(run_dir / f"{group}@{task_id}.log", "w") as log:
            cmd = ["bash", TASK, group, str(task_id)]
            subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, check=False)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(one, ids))


def fan_out(group: str, stage_names: list[str], run_dir: Path, local: bool, jobs: int | None) -> int:
    """Run a foreach group's changed stages as array tasks, then `dvc commit` the ones that succeeded.

    Returns the number of tasks run. DriverError names the failed tasks and their logs.
    """
    ids = group_ids(stage_names, group)
    changed = json.loads(dvc("status", "--json", *[f"{group}@{i}" for i in ids], capture=True) or "{}")
    todo = [i for i in ids if f"{group}@{i}" in changed]
    if not todo:
        print(f"{group}: {len(ids)} stages up to date", flush=True)
        return 0
    for i in todo:
        (run_dir / f"{group}@{i}.done").unlink(missing_ok=True)
    started = time.perf_counter()
    if local:
        run_locally(group, todo, run_dir, jobs or 1)
    else:
        run_on_slurm(group, todo, run_dir, jobs)
    done = [i for i in todo if (run_dir / f"{group}@{i}.done").exists()]
    print(f"{group}: {len(done)} of {len(todo)} tasks succeeded in {time.perf_counter() - started:.0f} s", flush=True)
    if done:  # record what succeeded, so a rerun repeats only the failed tasks
        dvc("commit", "--force", "--quiet", *[f"{group}@{i}" for i in done])
    failed = [i for i in todo if i not in done]
    if failed:
        for i in failed:
            log = run_dir / f"{group}@{i}.log"
            tail = log.read_text(errors="replace").strip().splitlines()[-5:] if log.exists() else ["(no log)"]
            print(f"--- {log} (last lines)\n" + "\n".join(tail), file=sys.stderr)
        names = ", ".join(f"{group}@{i}" for i in failed)
        raise DriverError(f"{names} failed (logs above, in {run_dir}/); rerun the driver to retry only those")
    return len(todo)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="sbatch options come from FVC_SLURM_* environment variables: see scripts/slurm/driver.py.",
    )
    parser.add_argument("--local", action="store_true", help="run the array tasks as local processes, not sbatch")
    parser.add_argument(
        "-j", "--jobs", type=int, help="tasks at once (--local: default 1; SLURM: an array throttle, default none)"
    )
    args = parser.parse_args(argv)
    try:
        if not (Path("dvc.yaml").is_file() and Path(".dvc").is_dir()):
            raise DriverError(f"run from the repository root (no dvc.yaml and .dvc/ in {Path.cwd()})")
        if args.jobs is not None and args.jobs < 1:
            raise DriverError(f"-j {args.jobs}: expected a positive number of tasks at once")
        if not args.local and shutil.which("sbatch") is None:
            raise DriverError("sbatch not found: run on a SLURM login node, or pass --local to run the tasks here")
        if shutil.which("dvc") is None:
            raise DriverError("dvc not found on PATH: run `make setup`, then scripts/slurm/run.sh")
        stamp = time.strftime("%Y%m%d-%H%M%S")
        run_dir = Path(os.environ.get("FVC_SLURM_LOGS") or ".dvc/tmp/slurm").resolve() / f"{stamp}-{os.getpid()}"
        run_dir.mkdir(parents=True)
        os.environ["FVC_SLURM_RUN_DIR"] = str(run_dir)  # task.sh marks its success there (sbatch exports it)
        started = time.perf_counter()
        stage_names = dvc("stage", "list", "--name-only", capture=True).split()
        tasks = 0
        for what, target in PLAN:
            if what == "repro":
                dvc("repro", *([target] if target else []))
            else:
                tasks += fan_out(target or "", stage_names, run_dir, args.local, args.jobs)
    except DriverError as err:
        print(f"driver: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("driver: interrupted; what was committed stays, rerun the driver to go on", file=sys.stderr)
        return 130
    where = "as local processes" if args.local else "as SLURM array tasks"
    print(f"driver: pipeline reproduced, {tasks} tasks {where}, in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
