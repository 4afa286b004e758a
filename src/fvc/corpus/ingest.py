"""Ingest: validate the manifest and probe every video, splitting them into accepted and rejected."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import polars as pl

import fvc.video
from fvc.atomic import write_text
from fvc.corpus.manifest import read_manifest
from fvc.errors import FvcError
from fvc.pervideo.cachekey import cache_key, code_digest
from fvc.pervideo.pool import parallel_map
from fvc.schema import REJECTS, VIDEOS
from fvc.video import Probe, VideoError, file_sha256, probe_video


@dataclass(frozen=True)
class IngestResult:
    videos: pl.DataFrame  # schema VIDEOS
    rejects: pl.DataFrame  # schema REJECTS


def ingest(
    manifest: str | os.PathLike, *, max_pixels: int, workers: int, cache_dir: str | os.PathLike | None = None
) -> IngestResult:
    """Read ``manifest`` and probe each listed video on ``workers`` processes.

    A video that cannot be used becomes a reject with a one-line reason. With ``cache_dir``, each file's outcome
    is cached there under a key of its content hash (sha256), ``max_pixels`` and the probing code, so a rerun
    reads each file once to hash it but probes only new or changed ones; entries no listed file maps to are
    removed. Content keys (not modification times) keep the cache identical on every checkout, as a DVC output.
    Raises FvcError if the manifest is invalid (see read_manifest) or if no video is accepted.
    """
    manifest = Path(manifest)
    table = read_manifest(manifest)
    root = manifest.parent.resolve()
    paths = [str(root / p) for p in table["path"]]
    probe = partial(_probe_or_reason, max_pixels=max_pixels)
    if cache_dir is None:
        probes = parallel_map(probe, paths, workers=workers, desc="probe")
    else:
        probes = _cached_probes(paths, table["path"].to_list(), probe, Path(cache_dir), max_pixels, workers)

    accepted, rejected = [], []
    for rec, probe in zip(table.iter_rows(named=True), probes, strict=True):
        if isinstance(probe, Probe):
            accepted.append({**rec, **probe.as_row()})
        else:
            rejected.append({"video_id": rec["video_id"], "path": rec["path"], "reason": probe})
    if not accepted:
        first = f"; first: {rejected[0]['path']}: {rejected[0]['reason']}" if rejected else ""
        raise FvcError(f"{manifest}: no valid video among {len(rejected)} listed{first}")
    videos = pl.DataFrame(accepted, schema=VIDEOS).sort("video_id")
    rejects = pl.DataFrame(rejected, schema=REJECTS).sort("video_id")
    return IngestResult(videos=videos, rejects=rejects)


def _cached_probes(
    paths: list[str], names: list[str], probe, cache_dir: Path, max_pixels: int, workers: int
) -> list[Probe | str]:
    """``probe`` of every path, reusing outcomes cached in ``cache_dir`` (one small JSON file per video)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    code = code_digest(fvc.video, sys.modules[__name__])
    # Chunks: hashing a small file costs less than sending it to a worker alone.
    hashes = parallel_map(_sha256_or_reason, paths, workers=workers, desc="hash", chunksize=32)
    files = [
        cache_dir / f"{cache_key(path=name, content=digest, max_pixels=max_pixels, code=code)}.json"
        for name, digest in zip(names, hashes, strict=True)
    ]
    expected = {f.name for f in files}
    for stale in cache_dir.iterdir():
        if stale.name not in expected:
            stale.unlink()
    todo = [i for i, f in enumerate(files) if not f.exists()]
    fresh = parallel_map(probe, [paths[i] for i in todo], workers=workers, desc="probe")
    for i, outcome in zip(todo, fresh, strict=True):
        record = {"probe": outcome.as_row()} if isinstance(outcome, Probe) else {"reason": outcome}
        write_text(json.dumps(record), files[i])
    out: list[Probe | str] = []
    for f in files:
        record = json.loads(f.read_text(encoding="utf-8"))
        out.append(Probe(**record["probe"]) if "probe" in record else record["reason"])
    return out


def _sha256_or_reason(path: str) -> str:
    # An unreadable file gets its error as its "hash": it is then probed, which rejects it with a reason.
    try:
        return file_sha256(path)
    except OSError as err:
        return f"unreadable: {err.strerror or type(err).__name__}"


def _probe_or_reason(path: str, *, max_pixels: int) -> Probe | str:
    # Runs in a worker: any failure to read a file is reported as a value, never raised, so one bad
    # file cannot stop the pool.
    try:
        return probe_video(path, max_pixels=max_pixels)
    except VideoError as err:
        return str(err)
    except OSError as err:
        return f"cannot read file ({err.strerror or type(err).__name__})"
