"""Benchmark B3: keyframe-aware sampled decoding (fvc.video) against decoding the whole video.

Generates, in a temporary folder, a 3000-frame 640x360 H.264 video at 30 fps with a keyframe every 60 frames
(libx264 preset medium, CRF 23: 3 B-frames; a hand-held camera panning over a textured scene with a moving object
and sensor noise, ~2 Mbit/s), then times in one run, each item ``--repeats`` times round-robin (best and median):

- the full single-thread decode (PyAV, no conversion): the baseline every speedup is against;
- the old behaviour (decode straight through to the last sampled frame) and the new sampled decode, for 16 uniform
  frames and for 8 frames as 2 snippets of 4 (indices from fvc.video.sampling, as scale takes them, converted to
  scale's clip size);
- a naive PyAV seek per sample (seek to the sample's time, decode to it), and whether its frames are exact;
- the decode-only frame rate of a raw PyAV loop against fvc's decoder decoding every frame;
- peak RSS growth of reading 16 uniform frames, 3000- vs 600-frame video, old and new: in a fresh subprocess,
  after a warm-up read, the peak (VmHWM, reset through /proc/self/clear_refs) minus the RSS before the read.
  Not ``resource.getrusage`` ru_maxrss: Linux carries the parent's peak into a child across exec, which hides
  any growth below it; nor tracemalloc, which misses FFmpeg's C allocations, where decoded frames live;
- why the gap to the model limit: per-packet decode times of the full decode give the cost of decoding from each
  sample's keyframe to it (the limit of any keyframe-seeking reader) and the keyframes' share of it.

``--sweep`` adds the crossover measurement behind keyframes.plan_reads: indexed vs straight decode for mean
gaps from 4 frames to 3 GOPs, at seek gaps 0/4/30/60, and the cost of a seek that skips nothing.
Goal (issue 14): the sampled reads >= 5.5x faster than the full decode.

    python bench/bench_decode.py [--frames 3000] [--repeats 5] [--sweep] [--json bench/decode.json]
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.metadata
import json
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np

from fvc.clips import scaled_size
from fvc.video import sample_frame_indices
from fvc.video.decode import decode_sampled
from fvc.video.keyframes import Read, index_frames
from fvc.video.probe import open_video
from fvc.video.seeking import decode_by_seeking

WIDTH, HEIGHT, FPS, GOP = 640, 360, 30, 60
CLIP_HW = scaled_size(HEIGHT, WIDTH, max_dim=256, multiple_of=32)  # params.yaml's scale: max_dim 256, multiple_of 32
GOAL = 5.5


def scene_frames(count: int, width: int, height: int, seed: int = 0):
    """``count`` RGB frames (height, width, 3) uint8: a camera panning over a textured scene (coarse random
    texture on a gradient), an ellipse moving across it, and sensor noise (7 fields in turn, so no frame has the
    same noise as the 3 frames x264 references)."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 200, size=(height // 4 + 40, width // 4 + 60, 3), dtype=np.uint8)
    texture = np.repeat(np.repeat(coarse, 4, axis=0), 4, axis=1) // 2 + 40
    noise = rng.normal(0, 3, size=(7, height, width, 3)).astype(np.int16)
    yy, xx = np.mgrid[0:height, 0:width]
    for t in range(count):
        ox, oy = int(100 + 80 * np.sin(t / 50)), int(60 + 50 * np.cos(t / 70))
        img = texture[oy : oy + height, ox : ox + width].astype(np.int16) + noise[t % 7]
        cx, cy = width / 2 + 0.3 * width * np.sin(t / 23), height / 2 + 0.2 * height * np.cos(t / 31)
        img[((xx - cx) / 60) ** 2 + ((yy - cy) / 80) ** 2 < 1] += 60
        yield np.clip(img, 0, 255).astype(np.uint8)


def make_video(path: Path, frames: int) -> Path:
    """Write the benchmark video (see the module docstring) of ``frames`` frames to ``path``."""
    with av.open(str(path), "w") as container:
        params = f"keyint={GOP}:min-keyint={GOP}:scenecut=0"
        stream = container.add_stream("libx264", rate=FPS, options={"preset": "medium", "x264-params": params})
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        for img in scene_frames(frames, WIDTH, HEIGHT):
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def full_decode(path: Path) -> int:
    """Decode every frame of ``path`` with PyAV on one thread, converting nothing; the frame count."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_count = 1
        return sum(1 for _ in container.decode(stream))


def naive_seek_read(path: Path, indices: np.ndarray, height: int, width: int) -> np.ndarray:
    """Per sample: seek (PyAV, backward to a keyframe) to the sample's time index / fps, decode until a frame at or
    after that time, convert it. What a first PyAV seeking reader looks like; exact only by luck."""
    out = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_count = 1
        fps, base, start = float(stream.average_rate), stream.time_base, stream.start_time or 0
        for i in indices:
            target = start + int(round(i / fps / base))
            container.seek(target, stream=stream, backward=True, any_frame=False)
            frame = next(f for f in container.decode(stream) if f.pts >= target)
            out.append(frame.reformat(width=width, height=height, format="rgb24", interpolation="AREA").to_ndarray())
    return np.stack(out)


def timed(items: dict[str, Callable[[], object]], repeats: int) -> dict[str, dict[str, float]]:
    """Run each of ``items`` ``repeats`` times, round-robin; {name: {"best": s, "median": s}}."""
    times: dict[str, list[float]] = {name: [] for name in items}
    for _ in range(repeats):
        for name, run in items.items():
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
    return {name: {"best": min(t), "median": statistics.median(t)} for name, t in times.items()}


RSS_PROBE = """
import json, sys
from pathlib import Path
import numpy as np
from fvc.video import sample_frame_indices
from fvc.video.decode import decode_sampled

def status_kib(field):
    return int(next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith(field)).split()[1])

path, frames, h, w = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
seek_gap = None if sys.argv[5] == "none" else int(sys.argv[5])
decode_sampled(path, np.arange(2), height=h, width=w, seek_gap=seek_gap)  # warm up: decoder, scaler, buffer pools
before = status_kib("VmRSS:")
Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
decode_sampled(path, sample_frame_indices(frames, 16), height=h, width=w, seek_gap=seek_gap)
peak = status_kib("VmHWM:")
print(json.dumps({"growth_kib": peak - before, "peak_kib": peak}))
"""


def rss_kib(path: Path, frames: int, seek_gap: int | None) -> dict[str, int]:
    """Peak RSS (KiB) of reading 16 uniform frames of ``path`` at clip size in a fresh interpreter, after a 2-frame
    warm-up read, and its growth over the RSS before the read: {"growth_kib", "peak_kib"}. Linux only."""
    args = [str(path), str(frames), *(str(side) for side in CLIP_HW), "none" if seek_gap is None else str(seek_gap)]
    out = subprocess.run([sys.executable, "-c", RSS_PROBE, *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def packet_costs(path: Path) -> list[tuple[int, bool, float]]:
    """(pts, is keyframe, seconds to decode) of every packet of ``path`` in decode order, one thread."""
    costs = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_count = 1
        for packet in container.demux(stream):
            if packet.size:
                started = time.perf_counter()
                packet.decode()
                costs.append((packet.pts, packet.is_keyframe, time.perf_counter() - started))
    return costs


def keyframe_limit(costs: list[tuple[int, bool, float]], indices: np.ndarray) -> dict[str, float]:
    """Model cost of reading ``indices`` by decoding from each one's keyframe (decode order) to its packet:
    seconds, and the share of it spent on keyframes (which every seek must decode in full)."""
    order = sorted(pts for pts, _, _ in costs)
    position = {pts: n for n, (pts, _, _) in enumerate(costs)}
    keyframes = [n for n, (_, key, _) in enumerate(costs) if key]
    reach: dict[int, int] = {}  # keyframe packet -> the furthest packet decoded from it
    for i in np.unique(indices):
        target = position[order[i]]
        start = max(k for k in keyframes if k <= target)
        reach[start] = max(reach.get(start, target), target)
    total = sum(c for start, end in reach.items() for _, _, c in costs[start : end + 1])
    keys = sum(costs[start][2] for start in reach)
    return {"seconds": total, "keyframe_share": keys / total}


def profile_shares(path: Path, indices: np.ndarray, height: int, width: int) -> dict[str, float]:
    """Share of a sampled read's time in packet decoding, frame conversion, and the rest (open, index, seeks)."""
    profile = cProfile.Profile()
    profile.runcall(decode_sampled, path, indices, height=height, width=width)
    stats = pstats.Stats(profile).stats
    total = max(v[3] for v in stats.values())

    def spent(name: str) -> float:
        return sum(v[2] for k, v in stats.items() if k[2] == name)

    decode = spent("<method 'decode' of 'av.packet.Packet' objects>") / total
    convert = spent("<method 'reformat' of 'av.video.frame.VideoFrame' objects>") / total
    return {"seconds": total, "decode": decode, "convert": convert, "rest": 1 - decode - convert}


def seek_overhead_ms(path: Path, repeats: int) -> float:
    """Milliseconds a seek adds when it skips nothing: decode frames k-1 and k around every keyframe k, going on
    vs seeking to k in between."""
    with open_video(path) as (container, stream):
        keyframes = [int(k) for k in index_frames(container, stream).keyframes[1:]]
    on = [Read(None, tuple(f for k in keyframes for f in (k - 1, k)))]
    seeking = [Read(None, (keyframes[0] - 1,))] + [
        Read(k, (k, nxt - 1) if nxt else (k,)) for k, nxt in zip(keyframes, [*keyframes[1:], 0], strict=True)
    ]

    def run(reads: list[Read]) -> None:
        with open_video(path) as (container, stream):
            stream.codec_context.thread_count = 1
            index = index_frames(container, stream)
            decode_by_seeking(container, stream, index, reads, keep=lambda i, frame: None)

    t = timed({"on": lambda: run(on), "seeking": lambda: run(seeking)}, repeats)
    return 1000 * (t["seeking"]["best"] - t["on"]["best"]) / len(keyframes)


def sweep(path: Path, frames: int, repeats: int) -> list[dict]:
    """Indexed (seek gaps 0, 4, 30, 60) vs straight decode of uniform samples at mean gaps 4..180 frames."""
    rows = []
    for gap in (4, 15, 30, 45, 60, 90, 180):
        indices = sample_frame_indices(frames, frames // gap)
        variants = {"straight": None, "seek_gap=0": 0, "seek_gap=4": 4, "seek_gap=30": 30, "seek_gap=60": 60}
        runs = {
            name: (lambda g=g, i=indices: decode_sampled(path, i, height=36, width=64, seek_gap=g))
            for name, g in variants.items()
        }
        t = timed(runs, repeats)
        seeks = {name: run().seeks for name, run in runs.items()}
        rows.append({"mean_gap": gap, "gop_fraction": gap / GOP, "samples": len(indices), "times": t, "seeks": seeks})
    return rows


def machine() -> dict[str, str]:
    """CPU model, relevant SIMD flags, cores; Python, torch, PyAV and FFmpeg versions."""
    info = {"python": platform.python_version(), "av": av.__version__, "ffmpeg": av.ffmpeg_version_info}
    try:
        info["torch"] = importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        info["torch"] = "not installed"
    try:
        lscpu = dict(
            line.split(":", 1) for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
        )
        flags = lscpu.get("Flags", "").split()
        info["cpu"] = lscpu.get("Model name", "?").strip()
        info["cpus"] = lscpu.get("CPU(s)", "?").strip()
        info["simd"] = " ".join(f for f in flags if f == "avx2" or f.startswith("avx512")) or "no avx2/avx512"
    except (OSError, ValueError):
        info["cpu"] = platform.processor() or "?"
    return info


def run(frames: int, repeats: int, do_sweep: bool) -> dict:
    """Generate the videos, measure everything, print the tables; the results as a dict."""
    results: dict = {"machine": machine(), "frames": frames, "gop": GOP, "clip_hw": CLIP_HW, "repeats": repeats}
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        path = make_video(Path(tmp) / "b3.mp4", frames)
        short = make_video(Path(tmp) / "b3_short.mp4", frames // 5)
        results["video"] = {
            "seconds_to_make": round(time.perf_counter() - started, 1),
            "bytes": path.stat().st_size,
            "mbit_per_s": round(path.stat().st_size * 8 / (frames / FPS) / 1e6, 2),
        }
        h, w = CLIP_HW
        uniform, snippets = sample_frame_indices(frames, 16), sample_frame_indices(frames, 8, snippet=4)
        for name, indices in (("16 uniform", uniform), ("8 as 2 snippets of 4", snippets)):
            old = decode_sampled(path, indices, height=h, width=w, seek_gap=None)
            new = decode_sampled(path, indices, height=h, width=w)
            naive = naive_seek_read(path, indices, h, w)
            assert np.array_equal(old.frames, new.frames), f"{name}: new frames differ from the straight decode's"
            results.setdefault("exact", {})[name] = {"new": True, "naive": bool(np.array_equal(naive, old.frames))}
            results.setdefault("decoded_frames", {})[name] = {"old": old.decoded, "new": new.decoded}
        items = {
            "full decode (1 thread)": lambda: full_decode(path),
            "old: 16 uniform": lambda: decode_sampled(path, uniform, height=h, width=w, seek_gap=None),
            "new: 16 uniform": lambda: decode_sampled(path, uniform, height=h, width=w),
            "naive seek: 16 uniform": lambda: naive_seek_read(path, uniform, h, w),
            "old: 8 as 2 snippets of 4": lambda: decode_sampled(path, snippets, height=h, width=w, seek_gap=None),
            "new: 8 as 2 snippets of 4": lambda: decode_sampled(path, snippets, height=h, width=w),
            "naive seek: 8 as 2 snippets of 4": lambda: naive_seek_read(path, snippets, h, w),
            "fvc decoder, every frame": lambda: decode_sampled(path, [frames - 1], height=h, width=w, seek_gap=None),
        }
        results["times"] = timed(items, repeats)
        full = results["times"]["full decode (1 thread)"]["best"]
        results["speedup"] = {name: full / t["best"] for name, t in results["times"].items()}
        results["decode_fps"] = {
            "raw PyAV loop": frames / full,
            "fvc decoder": frames / results["times"]["fvc decoder, every frame"]["best"],
        }
        results["rss_kib"] = {
            f"{n} frames, {label}": rss_kib(p, n, gap)
            for p, n in ((path, frames), (short, frames // 5))
            for label, gap in (("old", None), ("new", 0))
        }
        costs = packet_costs(path)
        results["limit"] = {
            name: {**keyframe_limit(costs, idx), "full_seconds": sum(c for _, _, c in costs)}
            for name, idx in (("16 uniform", uniform), ("8 as 2 snippets of 4", snippets))
        }
        results["profile_new_16_uniform"] = profile_shares(path, uniform, h, w)
        if do_sweep:
            results["seek_overhead_ms"] = seek_overhead_ms(path, repeats)
            results["sweep"] = sweep(path, frames, repeats)
    report(results)
    return results


def report(r: dict) -> None:
    """Print the results as Markdown tables and a verdict against GOAL."""
    m, v = r["machine"], r["video"]
    print(f"machine: {m.get('cpu')}, {m.get('cpus')} CPUs ({m.get('simd')}); Python {m['python']}, torch {m['torch']},")
    print(f"  PyAV {m['av']} (FFmpeg {m['ffmpeg']})")
    print(
        f"video: {r['frames']} frames 640x360 H.264 @ {FPS} fps, keyframe every {GOP}, {v['mbit_per_s']} Mbit/s"
        f" (made in {v['seconds_to_make']} s); clips converted to {r['clip_hw'][1]}x{r['clip_hw'][0]};"
        f" best of {r['repeats']}\n"
    )
    print("| read | best s | median s | speedup vs full decode | frames decoded | exact |")
    print("|---|---|---|---|---|---|")
    for name, t in r["times"].items():
        pattern = name.split(": ", 1)[-1]
        kind = name.split(":", 1)[0]
        decoded = r["decoded_frames"].get(pattern, {}).get(kind, "")
        exact = r["exact"].get(pattern, {})
        mark = {"new": "yes", "old": "yes", "naive seek": "yes" if exact.get("naive") else "**no**"}.get(kind, "")
        speed = r["speedup"][name]
        print(f"| {name} | {t['best']:.3f} | {t['median']:.3f} | {speed:.2f}x | {decoded} | {mark} |")
    fps = r["decode_fps"]
    print(f"\ndecode-only frame rate: raw PyAV loop {fps['raw PyAV loop']:.0f} fps,", end=" ")
    print(f"fvc decoder {fps['fvc decoder']:.0f} fps")
    print("peak RSS of the read, growth over the RSS before it (MiB):", end=" ")
    print(", ".join(f"{k}: {g['peak_kib'] / 1024:.1f}, +{g['growth_kib'] / 1024:.1f}" for k, g in r["rss_kib"].items()))
    for name, lim in r["limit"].items():
        print(
            f"limit, {name}: decoding keyframe -> sample costs {lim['seconds']:.3f} s of the full decode's"
            f" {lim['full_seconds']:.3f} s ({lim['full_seconds'] / lim['seconds']:.2f}x), keyframes"
            f" {100 * lim['keyframe_share']:.0f} % of it"
        )
    p = r["profile_new_16_uniform"]
    print(
        f"profile, new 16 uniform: packet decoding {100 * p['decode']:.0f} %, conversion {100 * p['convert']:.0f} %,"
        f" rest (open, index, seeks, Python) {100 * p['rest']:.0f} %"
    )
    for name in ("16 uniform", "8 as 2 snippets of 4"):
        speed = r["speedup"][f"new: {name}"]
        print(f"verdict, {name}: {speed:.2f}x {'meets' if speed >= GOAL else 'misses'} the goal of {GOAL}x")
    if "sweep" in r:
        print(f"\nseek that skips nothing: {r['seek_overhead_ms']:+.3f} ms per seek")
        names = list(r["sweep"][0]["times"])
        print("| mean gap (GOPs) | samples | " + " | ".join(f"{n} s (seeks)" for n in names) + " |")
        print("|---|---|" + "---|" * len(names))
        for row in r["sweep"]:
            cells = " | ".join(f"{row['times'][n]['best']:.3f} ({row['seeks'][n]})" for n in names)
            print(f"| {row['mean_gap']} ({row['gop_fraction']:.2f}) | {row['samples']} | {cells} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sweep", action="store_true", help="also measure the seek crossover (about 4 minutes)")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    results = run(args.frames, args.repeats, args.sweep)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
