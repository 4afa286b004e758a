"""Benchmark of the Variable-AR CNN's data path and training, on the scaled embedded corpus.

Prints three things (BENCHMARKS.md records them):
1. B1: the padding fraction of the training batches: as the fold runs logged it (``pad_fraction``, every epoch of
   every fold), as one sampler pass over all clips estimates it, and with the origin's letterbox;
2. activation memory per clip of this model vs the origin's stride-1 Model 5e (counted on the meta device;
   plus torch.cuda.max_memory_allocated when a GPU is present);
3. training throughput in clips/s, bucketed vs letterboxed, measured in the same run.

Run after `dvc repro scale` (it reads data/scaled/clips.parquet for the clip shapes):
    python bench/bench_training.py [--steps 6] [--json bench/results.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import polars as pl
import torch
import yaml

from fvc.models.memory import activation_elements, build_origin_5e_spec
from fvc.models.registry import build_model
from fvc.train.buckets import AspectRatioBucketSampler, pad_collate


def padding_fraction(shapes: list[tuple[int, int]], frames: int, batch_size: int, side: int) -> dict[str, float]:
    """Padded share of voxels over one epoch: buckets (padding only in mixed leftover batches) vs letterbox."""
    sampler = AspectRatioBucketSampler(shapes, batch_size, seed=42)
    padded = total = 0
    for batch in sampler:
        hmax, wmax = max(shapes[i][0] for i in batch), max(shapes[i][1] for i in batch)
        total += len(batch) * hmax * wmax * frames
        padded += sum((hmax * wmax - shapes[i][0] * shapes[i][1]) * frames for i in batch)
    content = sum(h * w for h, w in shapes)
    return {"buckets": padded / total, "letterbox": 1 - content / (len(shapes) * side * side)}


def logged_padding(results: Path = Path("results/train")) -> dict[str, float] | None:
    """The padding share the fold runs logged (``pad_fraction``: padded voxels / all voxels of each epoch's
    training batches, fvc.train.clip_model), over every epoch of every fold: mean, min and max. None before
    training has run."""
    values = []
    for tsv in sorted(results.glob("fold_*/plots/metrics/pad_fraction.tsv")):
        rows = tsv.read_text(encoding="utf-8").split("\n")[1:]
        values += [float(line.split("\t")[1]) for line in rows if line.strip()]
    if not values:
        return None
    return {"mean": float(np.mean(values)), "min": min(values), "max": max(values), "epochs": len(values)}


def activation_memory(model_options: dict, frames: int, side: int) -> dict[str, float]:
    """GiB of float32 activations per clip (T x side x side), ours vs the origin's 5e, counted on meta."""
    ours = build_model("variable_ar_cnn", **model_options)
    shape = (1, 3, frames, side, side)
    a = activation_elements(ours, shape) * 4 / 2**30
    b = activation_elements(build_origin_5e_spec(), shape) * 4 / 2**30
    return {"ours_gib": a, "origin_5e_gib": b, "ratio": b / a}


def cuda_peak_memory(model_options: dict, frames: int, side: int) -> float | None:
    """torch.cuda.max_memory_allocated (GiB) of one fp32 training step on one clip, or None without a GPU."""
    if not torch.cuda.is_available():
        return None
    model = build_model("variable_ar_cnn", **model_options).cuda()
    torch.cuda.reset_peak_memory_stats()
    x = torch.rand(1, 3, frames, side, side, device="cuda")
    model(x).sum().backward()
    return torch.cuda.max_memory_allocated() / 2**30


def throughput(
    model_options: dict, batches: list[list[tuple[int, int]]], frames: int, steps: int, bf16: bool = False
) -> float:
    """Training clips/s over ``steps`` batches of the given clip shapes (after one warm-up step); ``bf16``
    runs the forward under CPU/CUDA bf16 autocast."""
    torch.manual_seed(0)
    model = build_model("variable_ar_cnn", **model_options)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    rng = np.random.default_rng(0)
    clips, elapsed = 0, 0.0
    for step in range(steps + 1):
        batch = batches[step % len(batches)]
        items = [
            (torch.from_numpy(rng.integers(0, 256, (3, frames, h, w), dtype=np.uint8)), 1.0, i)
            for i, (h, w) in enumerate(batch)
        ]
        started = time.perf_counter()
        b = pad_collate(items)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits = model(b["x"], b["mask"])
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits.float(), b["y"])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step:  # the first step warms up allocators and kernels
            elapsed += time.perf_counter() - started
            clips += len(batch)
    return clips / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=6, help="timed training steps per variant")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    params = yaml.safe_load(open("params.yaml", encoding="utf-8"))
    frames, side, batch_size = params["scale"]["frames"], params["scale"]["max_dim"], params["train"]["batch_size"]
    options = params["models"]["variable_ar_cnn"]
    clips = pl.read_parquet("data/scaled/clips.parquet")
    shapes = list(zip(clips["content_height"].to_list(), clips["content_width"].to_list(), strict=True))

    pad = padding_fraction(shapes, frames, batch_size, side)
    pad["logged_by_fold_runs"] = logged_padding()  # B1: the real training batches (copies, view sampling)
    mem = {f"{t}x{side}x{side}": activation_memory(options, t, side) for t in (64, 500)}
    sampler = AspectRatioBucketSampler(shapes, batch_size, seed=42)
    bucket_batches = [[shapes[i] for i in b] for b in sampler]
    letterbox_batches = [[(side, side)] * len(b) for b in bucket_batches]
    torch.set_num_threads(torch.get_num_threads())
    speed = {
        "buckets": throughput(options, bucket_batches, frames, args.steps),
        "letterbox": throughput(options, letterbox_batches, frames, args.steps),
        "buckets_bf16_autocast": throughput(options, bucket_batches, frames, args.steps, bf16=True),
    }
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {torch.get_num_threads()} threads, "
        + (torch.cuda.get_device_name() if torch.cuda.is_available() else "CPU only"),
        "versions": {"torch": torch.__version__, "python": platform.python_version()},
        "clips": len(shapes),
        "frames": frames,
        "batch_size": batch_size,
        "padding_fraction": pad,
        "activation_memory_per_clip": mem,
        "cuda_peak_gib_64x256": cuda_peak_memory(options, 64, side),
        "train_clips_per_s": {
            **speed,
            "ratio_buckets_over_letterbox": speed["buckets"] / speed["letterbox"],
            "ratio_bf16_over_fp32": speed["buckets_bf16_autocast"] / speed["buckets"],
        },
    }
    print(json.dumps(result, indent=2))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=2)


if __name__ == "__main__":
    main()
