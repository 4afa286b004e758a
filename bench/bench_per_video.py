"""Benchmark of the per-video stages (ingest, augment, scale, features): incremental reruns and worker scaling.

1. Incremental: on a generated corpus (``--size medium``: 480 videos), run every per-video stage on 99 % of the
   videos from empty caches (a full run), then on all of them with the caches kept (1 % more videos), and
   compare the times. Goal: the rerun takes <= 3 % of the full run.
2. Workers: the features stage from an empty cache with 1 and with 2 worker processes. Goal: >= 1.7x.

Stages run in-process through the same library calls the stage scripts make, so both timings leave out the
same interpreter start-up; params are params.yaml's (scale, augment, features, cv, seed).

    python bench/bench_per_video.py [--size medium] [--work /tmp/fvc-bench] [--json bench/per_video.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import platform
import shutil
import tempfile
import time
from pathlib import Path

import torch
import yaml

from fvc.augment.plan import AugmentParams, plan_copies
from fvc.clips import ScaleParams, scale_corpus
from fvc.corpus.ingest import ingest
from fvc.features.extract import FeatureParams, extract_features, feature_tasks
from fvc.folds import stratified_group_folds
from fvc.synth import generate_corpus


def run_per_video_stages(manifest: Path, work: Path, params: dict, workers: int) -> dict[str, float]:
    """Ingest, split, augment, scale and features on ``manifest`` with caches under ``work``; seconds per stage."""
    times: dict[str, float] = {}
    started = time.perf_counter()
    videos = ingest(
        manifest, max_pixels=params["ingest"]["max_pixels"], workers=workers, cache_dir=work / "ingest-cache"
    ).videos
    times["ingest"] = time.perf_counter() - started

    started = time.perf_counter()
    copies = _copies(videos, params)
    times["split + augment"] = time.perf_counter() - started

    started = time.perf_counter()
    clips = _scale(videos, copies, manifest, work, params, workers)
    times["scale"] = time.perf_counter() - started

    started = time.perf_counter()
    extract_features(
        feature_tasks(videos, copies, clips),
        params=FeatureParams(**params["features"]),
        root=manifest.parent,
        clip_root=work / "clips",
        cache_dir=work / "features-cache",
        workers=workers,
    )
    times["features"] = time.perf_counter() - started
    times["total"] = sum(times.values())
    return times


def _copies(videos, params: dict):
    """The split and the augmented copies' recipes, as the split and augment stages make them."""
    folds = stratified_group_folds(
        videos, n_splits=len(params["cv"]["folds"]), group_column=params["cv"]["group_column"], seed=params["seed"]
    )
    return plan_copies(folds, params=AugmentParams(**params["augment"]), seed=params["seed"])


def _scale(videos, copies, manifest: Path, work: Path, params: dict, workers: int):
    """The clips of every video and copy under ``work/clips``, as the scale stage makes them."""
    clips, _, _ = scale_corpus(
        videos,
        copies=copies,
        params=ScaleParams(**params["scale"]),
        root=manifest.parent,
        out_dir=work / "clips",
        workers=workers,
    )
    return clips


def features_seconds(manifest: Path, work: Path, params: dict, workers: int) -> float:
    """The features stage alone, from an empty cache (clips already scaled under ``work``)."""
    videos = ingest(
        manifest, max_pixels=params["ingest"]["max_pixels"], workers=2, cache_dir=work / "ingest-cache"
    ).videos
    copies = _copies(videos, params)
    clips = _scale(videos, copies, manifest, work, params, workers=2)
    tasks = feature_tasks(videos, copies, clips)
    cache = work / f"features-cache-{workers}"
    shutil.rmtree(cache, ignore_errors=True)
    started = time.perf_counter()
    extract_features(
        tasks,
        params=FeatureParams(**params["features"]),
        root=manifest.parent,
        clip_root=work / "clips",
        cache_dir=cache,
        workers=workers,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="medium", choices=["tiny", "small", "medium"])
    parser.add_argument("--work", type=Path, default=None, help="working folder (default: a temporary one)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    params = yaml.safe_load(Path("params.yaml").read_text())
    work = args.work or Path(tempfile.mkdtemp(prefix="fvc-bench-"))
    raw = work / "raw"
    if not (raw / "manifest.csv").exists():
        started = time.perf_counter()
        generate_corpus(raw, seed=0, size=args.size, workers=2, progress=False)
        print(f"corpus: {args.size} generated in {time.perf_counter() - started:.0f} s -> {raw}")
    with (raw / "manifest.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    added = max(1, math.ceil(len(rows) / 100))
    base = raw / "manifest_99.csv"  # the same folder: manifest paths are relative to it
    with base.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows[:-added])

    for cache in ("ingest-cache", "clips", "features-cache"):
        shutil.rmtree(work / cache, ignore_errors=True)
    full = run_per_video_stages(base, work, params, workers=2)
    more = run_per_video_stages(raw / "manifest.csv", work, params, workers=2)
    one = features_seconds(base, work, params, workers=1)
    two = features_seconds(base, work, params, workers=2)

    result = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads, Python {platform.python_version()}",
        "videos": {"full_run": len(rows) - added, "added": added},
        "full_run_s": full,
        "rerun_with_1pct_more_s": more,
        "rerun_share_of_full": more["total"] / full["total"],
        "features_1_worker_s": one,
        "features_2_workers_s": two,
        "features_speedup_2_vs_1": one / two,
    }
    print(json.dumps(result, indent=2))
    print(
        f"rerun after +{added} videos: {more['total']:.1f} s = {100 * result['rerun_share_of_full']:.1f} % of the"
        f" full run ({full['total']:.1f} s); features 2 vs 1 workers: {result['features_speedup_2_vs_1']:.2f}x"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
