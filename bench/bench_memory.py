"""Benchmark B2: peak activation memory of one training step, this model (plain and with activation
checkpointing) vs the origin's Model 5e, measured, not counted.

Each variant runs in a fresh process: build the model, make one (1, 3, T, H, W) clip, then one forward + backward
in training mode. The figure is the step's peak memory above what the process held before it (weights and the
input included in the baseline), so it is the activations autograd keeps, plus the gradients and the transient
buffers of the largest layer:
- on CUDA: ``torch.cuda.max_memory_allocated`` minus the memory allocated before the step (exact);
- on CPU: the peak resident set (``ru_maxrss``) minus the resident set before the step (includes allocator slack).
The memory counted on the ``meta`` device (``fvc.models.memory``, BENCHMARKS.md) is printed beside it.

    python bench/bench_memory.py [--device cpu|cuda] [--frames 64] [--height 144] [--width 256] [--json F]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time

import torch

VARIANTS = {
    "variable_ar_cnn": {"model": "variable_ar_cnn", "options": {}},
    "variable_ar_cnn + checkpointing": {"model": "variable_ar_cnn", "options": {"activation_checkpointing": True}},
    "origin 5e": {"model": "origin_5e", "options": {}},
}


def one_step(model_name: str, options: dict, device: str, shape: tuple[int, ...]) -> dict:
    """Peak GiB of one training step above the memory held before it, in this process."""
    from fvc.models import build_model
    from fvc.models.memory import activation_elements

    torch.manual_seed(0)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    model = build_model(model_name, **options).to(device).train()
    x = torch.rand(shape, device=device)
    counted = activation_elements(model, shape) * 4 / 2**30
    started = time.perf_counter()
    if device == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
        model(x).sum().backward()
        torch.cuda.synchronize()
        peak = (torch.cuda.max_memory_allocated() - before) / 2**30
    else:
        before = _rss_gib()
        model(x).sum().backward()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20 - before
    return {"peak_gib": peak, "counted_gib": counted, "step_s": time.perf_counter() - started}


def _rss_gib() -> float:
    """The current resident set in GiB (Linux /proc)."""
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize() / 2**30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--frames", type=int, default=64)
    parser.add_argument("--height", type=int, default=144)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--variant", help=argparse.SUPPRESS)  # internal: run one variant in this process
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    shape = (1, 3, args.frames, args.height, args.width)
    if args.variant:
        spec = VARIANTS[args.variant]
        print(json.dumps(one_step(spec["model"], spec["options"], args.device, shape)))
        return
    results = {}
    for name in VARIANTS:
        argv = [sys.executable, __file__, "--variant", name, "--device", args.device]
        argv += ["--frames", str(args.frames), "--height", str(args.height), "--width", str(args.width)]
        done = subprocess.run(argv, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"bench_memory: {name} failed:\n{done.stderr[-2000:]}")
        results[name] = json.loads(done.stdout.strip().splitlines()[-1])
    origin = results["origin 5e"]["peak_gib"]
    device = torch.cuda.get_device_name() if args.device == "cuda" else f"CPU ({platform.processor() or 'x86_64'})"
    print(f"B2 activation memory, one training step at {args.frames}x{args.height}x{args.width}, fp32, {device}")
    print("| model | peak above baseline | counted on meta | ratio vs 5e | step |")
    print("|---|---|---|---|---|")
    for name, r in results.items():
        r["ratio_vs_5e"] = origin / r["peak_gib"]
        print(
            f"| {name} | {r['peak_gib']:.3f} GiB | {r['counted_gib']:.3f} GiB | {r['ratio_vs_5e']:.1f}x "
            f"| {r['step_s']:.2f} s |"
        )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"device": device, "shape": shape, "torch": torch.__version__, "results": results}, fh, indent=2)


if __name__ == "__main__":
    main()
