"""Benchmark B5: training steps fed by the real data loader vs by batches already in memory.

The loader is the training loop's own: ``ClipDataset`` (one ``.npy`` clip file per item) through a ``DataLoader``
with the aspect-ratio bucket sampler and ``pad_collate``, at several worker counts. The reference runs the same
training steps (forward, backward, AdamW step) on the same batches, collated before the clock starts. The ratio
(loader time / in-memory time) is the loader's overhead; 1.0 means the data path is free. Same run, same model
seed, same batch order.

Run after `dvc repro scale` (it reads data/scaled/):
    python bench/bench_loader.py [--clips 32] [--workers 0,1,2] [--rounds 3] [--json F]
"""

from __future__ import annotations

import argparse
import json
import time

import polars as pl
import torch
import torch.nn.functional as F
import yaml
from torch.utils.data import DataLoader

from fvc.models import build_model
from fvc.train.buckets import AspectRatioBucketSampler, pad_collate
from fvc.train.dataset import ClipDataset


def train_steps(batches, model_options: dict, snippet: int) -> float:
    """Seconds for one training step per batch of ``batches`` (an iterable, consumed inside the clock)."""
    torch.manual_seed(0)
    model = build_model("variable_ar_cnn", snippet=snippet, **model_options).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    started = time.perf_counter()
    for batch in batches:
        loss = F.binary_cross_entropy_with_logits(model(batch["x"], batch["mask"]), batch["y"])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=32, help="clips per epoch (the first N of data/scaled)")
    parser.add_argument("--workers", default="0,1,2", help="DataLoader worker counts to time")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; each variant keeps its best")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    params = yaml.safe_load(open("params.yaml", encoding="utf-8"))
    options = params["models"]["variable_ar_cnn"]
    table = pl.read_parquet("data/scaled/clips.parquet").sort("video_id").head(args.clips)
    table = table.with_columns(pl.lit("real").alias("label"))  # labels do not change the cost of a step
    dataset = ClipDataset(table, "data/scaled")
    snippet = int(table["snippet"][0])
    batch_size = params["train"]["batch_size"]

    def sampler() -> AspectRatioBucketSampler:
        return AspectRatioBucketSampler(dataset.shapes, batch_size, seed=42)

    in_memory = [pad_collate([dataset[i] for i in batch]) for batch in sampler()]
    train_steps(in_memory[:2], options, snippet)  # warm up allocators and kernels
    workers = [int(w) for w in args.workers.split(",")]

    def loader(n: int) -> DataLoader:
        return DataLoader(
            dataset,
            batch_sampler=sampler(),
            collate_fn=pad_collate,
            num_workers=n,
            prefetch_factor=2 if n else None,
        )

    # Rounds interleave the variants, and each keeps its fastest round: load from other processes on the
    # machine slows whichever variant it meets, and the minimum is the least disturbed.
    times: dict[str, list[float]] = {"in memory": [], **{f"workers={n}": [] for n in workers}}
    for _ in range(args.rounds):
        times["in memory"].append(train_steps(in_memory, options, snippet))
        for n in workers:
            times[f"workers={n}"].append(train_steps(loader(n), options, snippet))
    reference = min(times["in memory"])
    results = {"clips": table.height, "batch_size": batch_size, "rounds": args.rounds, "in_memory_s": reference}
    print(f"in memory: {reference:.2f} s for {table.height} clips (best of {args.rounds})")
    for n in workers:
        seconds = min(times[f"workers={n}"])
        results[f"workers={n}"] = {"seconds": seconds, "ratio_vs_in_memory": seconds / reference}
        print(f"DataLoader, {n} workers: {seconds:.2f} s, {seconds / reference:.3f}x in memory")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=2)


if __name__ == "__main__":
    main()
