"""Benchmark B9: Variable-AR CNN training and inference throughput on one CUDA GPU, and the share of the GPU's
bf16 peak it uses.

Variants of one training step (forward, backward, AdamW step) on a fixed bucket of clips, each timed with CUDA
synchronisation after warm-up steps, all in the same run:
- ``fp32``: plain float32 (cuDNN may use TF32 for convolutions: torch's default, printed);
- ``fp16 autocast + GradScaler``: what the pipeline runs on CUDA (``train.amp: auto``);
- ``bf16 autocast``, then ``+ channels_last_3d``, then ``+ torch.compile``.
Inference (the ``fvc predict`` path: no grad, eval mode) is timed for fp32 and bf16 + channels_last_3d.

The model's FLOPs per clip come from ``torch.utils.flop_counter.FlopCounterMode`` (forward + backward); the
GPU's bf16 peak is measured in the same run as an 8192^3 bf16 matrix product. Needs a GPU:
    python bench/bench_gpu.py [--batch 32] [--frames 8] [--height 144] [--width 256] [--json F]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from fvc.models import build_model


def timed(step: Callable[[], None], warmup: int, steps: int) -> float:
    """Seconds per call of ``step`` (CUDA-synchronised), after ``warmup`` untimed calls."""
    for _ in range(warmup):
        step()
    torch.cuda.synchronize()
    started = time.perf_counter()
    for _ in range(steps):
        step()
    torch.cuda.synchronize()
    return (time.perf_counter() - started) / steps


def bf16_peak_tflops() -> float:
    """Measured dense bf16 matrix-product rate of this GPU (TFLOP/s): 8192^3, 10 timed after 3 warm-ups."""
    n = 8192
    a = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
    seconds = timed(lambda: torch.mm(a, b), warmup=3, steps=10)
    return 2 * n**3 / seconds / 1e12


def train_step_fn(
    model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, dtype: torch.dtype | None
) -> Callable[[], None]:
    """One training step: autocast to ``dtype`` (None: fp32), fp16 with a GradScaler as the pipeline does."""
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    scaler = torch.amp.GradScaler("cuda", enabled=dtype == torch.float16)

    def step() -> None:
        with torch.autocast("cuda", dtype=dtype or torch.float32, enabled=dtype is not None):
            logits = model(x)
        loss = F.binary_cross_entropy_with_logits(logits.float(), y)
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        scaler.step(opt)
        scaler.update()

    return step


def flops_per_clip(options: dict, shape: tuple[int, ...]) -> tuple[float, float]:
    """(training, inference) FLOPs per clip: forward + backward, and forward alone."""
    model = build_model("variable_ar_cnn", **options).cuda().train()
    x = torch.rand(shape, device="cuda")
    with FlopCounterMode(display=False) as counter:
        model(x).sum().backward()
    train = counter.get_total_flops() / shape[0]
    model.eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(x)
    return train, counter.get_total_flops() / shape[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--height", type=int, default=144)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--no-compile", action="store_true", help="skip the torch.compile variant")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("bench_gpu: no CUDA device (this benchmark measures a GPU)")
    torch.manual_seed(0)
    shape = (args.batch, 3, args.frames, args.height, args.width)
    x = torch.rand(shape, device="cuda")
    y = (torch.rand(args.batch, device="cuda") > 0.5).float()
    cl = torch.channels_last_3d

    variants: dict[str, tuple[torch.dtype | None, bool, bool]] = {
        "fp32": (None, False, False),
        "fp16 autocast + GradScaler (train.amp: auto)": (torch.float16, False, False),
        "fp16 autocast + channels_last_3d (the pipeline on CUDA)": (torch.float16, True, False),
        "bf16 autocast": (torch.bfloat16, False, False),
        "bf16 autocast + channels_last_3d": (torch.bfloat16, True, False),
    }
    if not args.no_compile:
        variants["bf16 autocast + channels_last_3d + torch.compile"] = (torch.bfloat16, True, True)
    train_flops, infer_flops = flops_per_clip({}, (2, *shape[1:]))
    peak = bf16_peak_tflops()
    results: dict[str, dict] = {}
    for name, (dtype, channels_last, compiled) in variants.items():
        torch.manual_seed(0)
        model = build_model("variable_ar_cnn").cuda().train()
        inputs = x
        if channels_last:
            model = model.to(memory_format=cl)
            inputs = x.contiguous(memory_format=cl)
        started = time.perf_counter()
        runner = torch.compile(model) if compiled else model
        seconds = timed(train_step_fn(runner, inputs, y, dtype), warmup=5, steps=args.steps)
        clips = args.batch / seconds
        results[name] = {
            "train_clips_per_s": clips,
            "tflops": clips * train_flops / 1e12,
            "share_of_bf16_peak": clips * train_flops / 1e12 / peak,
            "first_steps_s": time.perf_counter() - started - seconds * args.steps,
        }
        print(f"{name}: {clips:.0f} clips/s", flush=True)
    for name, dtype, channels_last in (("fp32", None, False), ("bf16 + channels_last_3d", torch.bfloat16, True)):
        model = build_model("variable_ar_cnn").cuda().eval()
        inputs = x.contiguous(memory_format=cl) if channels_last else x
        model = model.to(memory_format=cl) if channels_last else model

        def infer(model: torch.nn.Module = model, inputs: torch.Tensor = inputs, dtype: torch.dtype | None = dtype):
            with torch.no_grad(), torch.autocast("cuda", dtype=dtype or torch.float32, enabled=dtype is not None):
                model(inputs)

        clips = args.batch / timed(infer, warmup=5, steps=args.steps)
        results[f"inference {name}"] = {
            "infer_clips_per_s": clips,
            "tflops": clips * infer_flops / 1e12,
            "share_of_bf16_peak": clips * infer_flops / 1e12 / peak,
        }
    device = torch.cuda.get_device_name()
    print(
        f"\nB9 {device}, torch {torch.__version__}, batch {args.batch} x {shape[1:]}, "
        f"cudnn.allow_tf32={torch.backends.cudnn.allow_tf32}"
    )
    print(
        f"model: {train_flops / 1e9:.2f} GFLOP per clip to train, {infer_flops / 1e9:.2f} to infer; "
        f"measured bf16 peak {peak:.0f} TFLOP/s"
    )
    print("| variant | clips/s | TFLOP/s | share of bf16 peak |")
    print("|---|---|---|---|")
    for name, r in results.items():
        rate = r.get("train_clips_per_s", r.get("infer_clips_per_s"))
        print(f"| {name} | {rate:.0f} | {r['tflops']:.1f} | {100 * r['share_of_bf16_peak']:.2f} % |")
    if args.json:
        with open(args.json, "w") as fh:
            doc = {
                "device": device,
                "torch": torch.__version__,
                "shape": shape,
                "bf16_peak_tflops": peak,
                "train_gflop_per_clip": train_flops / 1e9,
                "infer_gflop_per_clip": infer_flops / 1e9,
                "results": results,
            }
            json.dump(doc, fh, indent=2)


if __name__ == "__main__":
    main()
