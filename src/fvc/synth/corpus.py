"""``generate_corpus``: render the plan on a process pool, write videos and manifest, drop stale videos."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from tqdm import tqdm

from fvc.atomic import atomic_path, write_text
from fvc.errors import FvcError
from fvc.pervideo.stale import remove_stale_files
from fvc.synth.encode import H264Writer
from fvc.synth.plan import IDENTITY_POOLS, SIZES, Rendition, build_plan

DEFAULT_STRENGTH = 0.65  # see the package docstring: tuned so the demo's CNN learns within its budget
# The manifest layout's columns, then ``donor``: the identity whose face a faceswap fake shows (empty for reals and
# selfblend fakes). The manifest reader ignores columns it does not know, so ingest reads this file unchanged.
MANIFEST_COLUMNS = ("video_id", "path", "label", "group", "method", "source", "donor")
VIDEO_DIR = "videos"


def render_pair(r: Rendition, seed: int, strength: float, out_dir: Path) -> None:
    """Render rendition ``r``; write its real and fake MP4 files (each atomically) to ``out_dir/videos``."""
    from fvc.synth.render import (
        frames,
    )  # imported here: the pool's workers need it, the plan builder does not

    videos = out_dir / VIDEO_DIR
    real_path, fake_path = videos / f"{r.video_id('real')}.mp4", videos / f"{r.video_id('fake')}.mp4"
    with atomic_path(real_path) as real_tmp, atomic_path(fake_path) as fake_tmp:
        with (
            H264Writer(real_tmp, r.width, r.height, r.fps, r.bitrate_kbps) as real_w,
            H264Writer(fake_tmp, r.width, r.height, r.fps, r.bitrate_kbps) as fake_w,
        ):
            for real, fake in frames(r, seed, strength):
                real_w.write(real)
                fake_w.write(fake)


def manifest_rows(plan: list[Rendition]) -> list[dict[str, str]]:
    """The manifest rows of a plan, sorted by video_id."""
    rows = []
    for r in plan:
        for label in ("real", "fake"):
            vid = r.video_id(label)
            rows.append(
                {
                    "video_id": vid,
                    "path": f"{VIDEO_DIR}/{vid}.mp4",
                    "label": label,
                    "group": r.group.group,
                    "method": "none" if label == "real" else r.method,
                    "source": r.group.identity,
                    "donor": r.donor if label == "fake" and r.method == "faceswap" else "",
                }
            )
    return sorted(rows, key=lambda row: row["video_id"])


def _check_args(seed: int, size: str, strength: float, workers: int | None, identities: str) -> None:
    if size not in SIZES:
        raise FvcError(f"synth: unknown size {size!r}; expected one of {', '.join(SIZES)}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise FvcError(f"synth: --seed must be a non-negative integer, got {seed!r}")
    if not isinstance(strength, int | float) or not 0.0 <= float(strength) <= 1.0:
        raise FvcError(f"synth: --strength must be in [0, 1], got {strength!r}")
    if identities not in IDENTITY_POOLS:
        raise FvcError(f"synth: --identities must be one of {', '.join(IDENTITY_POOLS)}, got {identities!r}")
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise FvcError(f"synth: --workers must be a positive integer, got {workers!r}")


def generate_corpus(
    out_dir: Path,
    *,
    seed: int = 0,
    size: str = "small",
    strength: float = DEFAULT_STRENGTH,
    workers: int | None = None,
    progress: bool = True,
    identities: str = "train",
) -> Path:
    """Generate the embedded default corpus under ``out_dir`` and return the manifest's path.

    Writes ``out_dir/videos/<video_id>.mp4`` and ``out_dir/manifest.csv`` (columns video_id, path, label,
    group, method, source, donor; rows sorted by video_id). Files in ``out_dir/videos`` that this corpus does not
    contain are removed, so a regeneration is exact; nothing else in ``out_dir`` is touched. The bytes depend
    only on (seed, size, strength, identities) and the installed package versions, not on ``workers`` (default:
    all CPUs). ``progress`` shows a progress bar (tqdm, stderr). ``identities`` picks the people: ``train`` (the
    default corpus) or ``held_out`` (faces no ``train`` corpus shows: the cross-identity corpus of crosseval).
    Raises FvcError for a bad size, seed, strength or worker count, or if a sample image is unavailable.
    """
    _check_args(seed, size, strength, workers, identities)
    strength = float(strength)
    out_dir = Path(out_dir)
    plan = build_plan(seed, size, identities)
    videos = out_dir / VIDEO_DIR
    if videos.exists() and not videos.is_dir():
        raise FvcError(f"synth: {videos} exists and is not a directory")
    videos.mkdir(parents=True, exist_ok=True)

    # Biggest renditions first so the pool's last tasks are short; the order does not change any bytes.
    todo = sorted(plan, key=lambda r: -r.width * r.height * r.n_frames)
    n_workers = min(workers or os.cpu_count() or 1, len(todo))
    with tqdm(total=len(todo), desc="fvc synth", unit="pair", disable=not progress, leave=False) as bar:
        if n_workers <= 1:
            for r in todo:
                render_pair(r, seed, strength, out_dir)
                bar.update(1)
        else:
            with ProcessPoolExecutor(max_workers=n_workers) as pool:
                futures = [pool.submit(render_pair, r, seed, strength, out_dir) for r in todo]
                for fut in as_completed(futures):
                    fut.result()
                    bar.update(1)

    rows = manifest_rows(plan)
    remove_stale_files(videos, {Path(row["path"]).name for row in rows})
    text = (
        ",".join(MANIFEST_COLUMNS) + "\n" + "".join(",".join(row[c] for c in MANIFEST_COLUMNS) + "\n" for row in rows)
    )
    manifest = out_dir / "manifest.csv"
    write_text(text, manifest)
    return manifest
