"""Benchmark: the cost of each spatial augmentation op on one clip, as scale applies it (fvc.augment.apply_spatial).

The clip is T frames of a textured scene with camera-like grain (default 8 x 144 x 256, the demo's scaled clip),
each op with the parameters its ``draw`` gives for numpy seed 0, and the robustness ops (resize_down_up, h264,
jpeg) also with every parameter at the low and at the high end of its range (a codec's cost depends on how many
bits it writes). Every row is timed ``--repeats`` times round-robin, one thread (as a per-video worker runs); best
and median in ms, including the uint8 -> float -> uint8 conversions apply_spatial does around the ops.

    python bench/bench_augment_ops.py [--frames 8] [--height 144] [--width 256] [--repeats 7] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np
import torch

from fvc.atomic import write_text
from fvc.augment import SPATIAL_OPS, Op, Recipe, apply_spatial, registry

ROBUSTNESS_OPS = ("resize_down_up", "h264", "jpeg")


def textured_clip(frames: int, height: int, width: int) -> np.ndarray:
    """(T, H, W, 3) uint8: six periods of a colourful pattern, moving a little each frame, plus grain of std 6."""
    v = (np.arange(height)[:, None] + 0.5) / height
    u = (np.arange(width)[None, :] + 0.5) / width
    t = np.arange(frames)[:, None, None, None]
    c = np.arange(3)[None, None, None, :]
    phase = 0.1 * t + 2.1 * c
    scene = 128 + 60 * np.sin(2 * np.pi * (6 * u + 0.7 * v)[None, :, :, None] + phase)
    scene = scene + 50 * np.cos(2 * np.pi * (6 * v - 0.4 * u)[None, :, :, None] + 1.3 * phase)
    grain = np.random.default_rng(1).normal(0.0, 6.0, size=(frames, height, width, 1))
    return np.clip(scene + grain, 0, 255).round().astype(np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--height", type=int, default=144)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    torch.set_num_threads(1)
    clip = textured_clip(args.frames, args.height, args.width)
    drawn = {name: registry.op_spec(name).draw(np.random.default_rng(0)) for name in SPATIAL_OPS}
    recipes = {f"{name} {params}": Recipe(ops=(Op(name, params),)) for name, params in drawn.items()}
    for name in ROBUSTNESS_OPS:
        for end in (0, 1):
            params = {key: bounds[end] for key, bounds in registry.op_spec(name).ranges.items()}
            recipes[f"{name} {params}"] = Recipe(ops=(Op(name, params),))
    times: dict[str, list[float]] = {name: [] for name in recipes}
    for recipe in recipes.values():  # warm-up: first-call imports and allocations
        apply_spatial(clip, recipe)
    for _ in range(args.repeats):
        for name, recipe in recipes.items():
            started = time.perf_counter()
            apply_spatial(clip, recipe)
            times[name].append(1000 * (time.perf_counter() - started))
    shape = f"{args.frames}x{args.height}x{args.width}"
    print(f"| op ({shape}, one thread) | best ms | median ms |\n|---|---|---|")
    for name, ms in times.items():
        print(f"| {name} | {min(ms):.1f} | {statistics.median(ms):.1f} |")
    if args.json:
        doc = {"shape": shape, "ms": {n: {"best": min(ms), "median": statistics.median(ms)} for n, ms in times.items()}}
        write_text(json.dumps(doc, indent=2) + "\n", args.json)


if __name__ == "__main__":
    main()
