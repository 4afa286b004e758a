"""`make bench`: run every benchmark, each with its comparison inside the same run, and append a dated section with
their figures to BENCHMARKS.md (machine, CPU flags, cores and versions included).

Needs the pipeline's outputs (`dvc repro`: clips for bench_training and bench_ddp, models for bench_predict).

    python bench/run_all.py [--only training,decode,...] [--out BENCHMARKS.md]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from fvc.atomic import write_text

# name -> (script, extra arguments): each script prints its figures and writes them with --json.
BENCHES = {
    "training": ("bench/bench_training.py", ["--steps", "12"]),  # B1 padding (fold runs' logs), throughput
    "memory": ("bench/bench_memory.py", []),  # B2 measured peak memory, checkpointing, vs 5e
    "decode": ("bench/bench_decode.py", []),  # B3
    "per_video": ("bench/bench_per_video.py", ["--size", "small"]),  # B4 incremental, B6 workers
    "loader": ("bench/bench_loader.py", []),  # B5 data loader vs batches in memory
    "predict": ("bench/bench_predict.py", []),  # B8
    "gpu": ("bench/bench_gpu.py", []),  # B9, on a CUDA machine only
    "ddp": ("bench/bench_ddp.py", []),  # 1 vs 2 processes per fold
    "end_to_end": ("bench/bench_end_to_end.py", []),  # B7 fresh clone to metrics: ~10 min, not in the default run
}
DEFAULT = [name for name in BENCHES if name != "end_to_end"]


def machine() -> str:
    """One line: CPU model, cores, the SIMD flags that change float results and speed, and the versions."""
    model, flags = platform.processor() or platform.machine(), set()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
    simd = [f for f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16") if f in flags]
    import av
    import torch

    return (
        f"{model}, {os.cpu_count()} cores ({', '.join(simd) or 'no AVX2'}), Python {platform.python_version()},"
        f" torch {torch.__version__}, PyAV {av.__version__}"
    )


def run(name: str, folder: Path) -> dict | str:
    """A benchmark's JSON figures, or the reason it gave none (its last error line)."""
    script, extra = BENCHES[name]
    if name == "gpu":
        import torch

        if not torch.cuda.is_available():
            return "skipped: no CUDA device on this machine (BENCHMARKS.md has the last GPU run)"
    out = folder / f"{name}.json"
    proc = subprocess.run([sys.executable, script, *extra, "--json", str(out)], capture_output=True, text=True)
    if proc.returncode != 0 or not out.exists():
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        return f"failed (exit {proc.returncode}): {lines[-1] if lines else 'no output'}"
    return json.loads(out.read_text())


def _flat(figures: dict, prefix: str = "") -> list[tuple[str, object]]:
    rows = []
    for key, value in figures.items():
        if isinstance(value, dict):
            rows += _flat(value, f"{prefix}{key}.")
        elif not isinstance(value, list):
            rows.append((f"{prefix}{key}", value))
    return rows


def _number(value: object) -> object:
    """Floats to 4 significant digits: the table is read, not parsed (the scripts' --json files keep every digit)."""
    return f"{value:.4g}" if isinstance(value, float) else value


def section(results: dict[str, dict | str]) -> str:
    """The markdown appended to BENCHMARKS.md: one table of every figure, benchmark by benchmark."""
    lines = [f"## `make bench`, {dt.date.today().isoformat()}", "", machine(), "", "| benchmark | figure | value |"]
    lines.append("|---|---|---|")
    for name, figures in results.items():
        if isinstance(figures, str):
            lines.append(f"| {name} | | {figures} |")
            continue
        lines += [f"| {name} | {key} | {_number(value)} |" for key, value in _flat(figures)]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help=f"comma-separated subset of {','.join(BENCHES)} (default: all but end_to_end)")
    parser.add_argument("--out", default="BENCHMARKS.md")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else DEFAULT
    unknown = sorted(set(names) - set(BENCHES))
    if unknown:
        raise SystemExit(f"bench: unknown benchmark(s) {', '.join(unknown)}; expected {', '.join(BENCHES)}")
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for name in names:
            print(f"bench: {name} ...", flush=True)
            results[name] = run(name, Path(tmp))
    text = section(results)
    out = Path(args.out)
    write_text((out.read_text(encoding="utf-8") if out.exists() else "") + "\n" + text, out)
    print(text)


if __name__ == "__main__":
    main()
