"""Check fvc's CUDA training path on this machine's GPU, end to end through the fold runner.

1. One fold of the Variable-AR CNN on generated clips (two aspect ratios, fakes carry a brighter patch), with the
   pipeline's CUDA settings: ``train.amp: auto`` (fp16 autocast + GradScaler), channels_last_3d, pinned batches.
2. The same fold as a torchrun process group (``--nproc`` ranks, NCCL, one GPU per rank; ranks share a GPU
   when there are fewer GPUs than ranks is not allowed by NCCL, so nproc is capped at the GPU count).
Each run must finish with finite weights, a best.pt, test predictions and a held-out AUC above chance on this
easy task; the script prints what it saw and exits 1 on any failure.

    python scripts/check_cuda.py [--nproc N] [--work DIR]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl
import torch

SHAPES = ((8, 64, 96), (8, 96, 64))  # (T, H, W): two aspect-ratio buckets
TRAIN = dict(
    model="variable_ar_cnn",
    epochs=6,
    batch_size=8,
    effective_batch_size=16,
    lr=2e-3,
    betas=(0.9, 0.999),
    weight_decay=1e-4,
    warmup_epochs=1,
    warmup_factor=0.1,
    grad_clip=1.0,
    patience=6,
    dropout=0.2,
    amp="auto",
    val_fraction=0.2,
    class_weighting=True,
    threshold=0.5,
)


def write_clips(root: Path, groups: int = 64) -> Path:
    """``2 * groups`` uint8 clips under ``root/clips`` (a real and a fake per group, fakes with a brighter patch),
    with clips.parquet and folds.parquet (5 folds by group). Returns ``root``."""
    (root / "clips").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    rows, folds = [], []
    for g in range(groups):
        t, h, w = SHAPES[g % len(SHAPES)]
        for label in ("real", "fake"):
            vid = f"g{g:03d}_{label}"
            clip = rng.integers(0, 200, size=(t, h, w, 3), dtype=np.uint8)
            if label == "fake":
                clip[:, 16:48, 16:48] += 50
            np.save(root / "clips" / f"{vid}.npy", clip)
            rows.append(dict(video_id=vid, file=f"{vid}.npy", frames=t, snippet=4, height=h, width=w))
            folds.append(dict(video_id=vid, group=f"g{g:03d}", label=label, fold=g % 5))
    pl.DataFrame(rows).write_parquet(root / "clips.parquet")
    pl.DataFrame(folds).write_parquet(root / "folds.parquet")
    return root


def train_fold(data: Path, out: Path) -> None:
    """Fold 0 through fvc's fold runner; under torchrun each rank joins the NCCL group first."""
    from fvc.train import ClipModelTraining, TrainParams, distributed, run_fold

    device = distributed.init() if distributed.under_torchrun() else torch.device("cuda")
    if distributed.under_torchrun():
        backend = torch.distributed.get_backend()
        print(f"rank {distributed.world().rank}: backend {backend}, device {device}", flush=True)
        if backend != "nccl":
            raise SystemExit(f"expected the NCCL backend on CUDA, got {backend}")
    run_fold(
        0,
        ClipModelTraining(data / "clips", device=device),
        table=pl.read_parquet(data / "clips.parquet"),
        folds=pl.read_parquet(data / "folds.parquet"),
        params=TrainParams(**TRAIN),
        model_options={},
        seed=42,
        live_dir=out / "live",
        model_dir=out / "model",
    )
    distributed.finish()


def verify(out: Path, label: str, seconds: float) -> bool:
    """Print and check one run's outputs: finite weights, best.pt, predictions with AUC above chance."""
    from sklearn.metrics import roc_auc_score

    from fvc.checkpoint import read_checkpoint

    state = read_checkpoint(out / "model" / "best.pt")
    finite = all(torch.isfinite(v).all() for v in state["state_dict"].values() if v.is_floating_point())
    predictions = pl.read_parquet(next((out / "live").rglob("*.parquet")))
    y = (predictions["label"] == "fake").to_numpy() if "label" in predictions.columns else predictions["y"].to_numpy()
    auc = roc_auc_score(y, predictions["p_fake"].to_numpy())
    ok = finite and auc > 0.7 and not math.isnan(auc)
    print(
        f"{label}: {seconds:.1f} s, weights finite {finite}, test clips {predictions.height}, AUC {auc:.3f}"
        f" -> {'ok' if ok else 'FAILED'}",
        flush=True,
    )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nproc", type=int, default=max(1, torch.cuda.device_count()))
    parser.add_argument("--work", help="folder for the data and runs (default: a temporary one)")
    parser.add_argument("--rank-run", nargs=2, help=argparse.SUPPRESS)  # internal: DATA OUT, under torchrun
    args = parser.parse_args()
    if args.rank_run:
        train_fold(Path(args.rank_run[0]), Path(args.rank_run[1]))
        return
    if not torch.cuda.is_available():
        raise SystemExit("check_cuda: no CUDA device")
    work = Path(args.work or tempfile.mkdtemp(prefix="fvc-cuda-"))
    data = write_clips(work / "data")
    print(f"{torch.cuda.get_device_name()}, torch {torch.__version__}, CUDA {torch.version.cuda}", flush=True)
    started = time.perf_counter()
    train_fold(data, work / "single")
    ok = verify(
        work / "single", "1 process, amp auto (fp16 + GradScaler), channels_last_3d", time.perf_counter() - started
    )
    nproc = min(args.nproc, torch.cuda.device_count())
    from fvc.train.distributed import launch

    started = time.perf_counter()
    code = launch(nproc, [__file__, "--rank-run", str(data), str(work / "ddp")], env={**os.environ})
    if code != 0:
        print(f"torchrun with {nproc} process(es): exit {code} -> FAILED")
        ok = False
    else:
        ok = verify(work / "ddp", f"torchrun {nproc} process(es), NCCL", time.perf_counter() - started) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
