"""Benchmark: one fold's training on 1 process vs N torchrun processes (DDP; gloo on CPU, NCCL on GPUs).

Trains fold 0 of the scaled embedded corpus for a fixed number of epochs (no early stopping: patience above the
epoch count) with the pipeline's params, once as one process and once as ``--nproc`` processes, each in a fresh
folder, and prints the wall times and their ratio, measured in the same run. On CPU the one process gets every
core as torch threads and each of the N processes 1/N of them: the comparison is of the same cores used two ways.

Run after `dvc repro merge_scale` (it reads data/scaled/ and data/split/folds.parquet):
    python bench/bench_ddp.py [--nproc 2] [--epochs 2] [--json bench/ddp.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import torch

from fvc.params import load_params
from fvc.train import TrainParams
from fvc.train.distributed import launch

SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import polars as pl
    from fvc.params import load_params
    from fvc.train import ClipModelTraining, TrainParams, distributed, run_fold

    out, train = Path(sys.argv[1]), eval(sys.argv[2])
    params = load_params()
    device = distributed.init() if distributed.under_torchrun() else None
    run_fold(
        0,
        ClipModelTraining("data/scaled", device=device),
        table=pl.read_parquet("data/scaled/clips.parquet"),
        folds=pl.read_parquet("data/split/folds.parquet"),
        params=TrainParams(**train),
        model_options=dict(params["models"][train["model"]]),
        seed=params["seed"],
        live_dir=out / "live",
        model_dir=out / "model",
    )
    distributed.finish()
    """
)


def timed(nproc: int, train: dict, work: Path) -> float:
    """Seconds to train fold 0 with ``train`` on ``nproc`` processes (each run in its own folder)."""
    script = work / "fold.py"
    script.write_text(SCRIPT)
    out = work / f"nproc{nproc}"
    argv = [str(script), str(out), repr({**train, "nproc_per_node": nproc})]
    started = time.perf_counter()
    if nproc == 1:
        code = subprocess.run([sys.executable, *argv], capture_output=True, text=True).returncode
    else:
        code = launch(nproc, argv, env={**os.environ, "OMP_NUM_THREADS": str(max(1, (os.cpu_count() or 1) // nproc))})
    if code != 0:
        raise SystemExit(f"bench_ddp: the {nproc}-process run failed (exit {code})")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nproc", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    base = TrainParams.from_params(load_params())
    train = {**vars(base), "epochs": args.epochs, "patience": args.epochs + 1, "warmup_epochs": 0}
    TrainParams(**{**train, "nproc_per_node": args.nproc})  # valid for both runs
    with tempfile.TemporaryDirectory() as tmp:
        one = timed(1, train, Path(tmp))
        many = timed(args.nproc, train, Path(tmp))
    result = {
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "cpus": os.cpu_count(),
        "cuda": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
        "torch": torch.__version__,
        "epochs": args.epochs,
        "seconds_1_process": round(one, 1),
        f"seconds_{args.nproc}_processes": round(many, 1),
        "speedup": round(one / many, 2),
    }
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
