"""Ingest: validate the manifest and probe every video, splitting them into accepted and rejected."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import polars as pl

from fvc.data.manifest import read_manifest
from fvc.errors import FvcError
from fvc.parallel import parallel_map
from fvc.schema import REJECTS, VIDEOS
from fvc.video import Probe, VideoError, probe_video


@dataclass(frozen=True)
class IngestResult:
    videos: pl.DataFrame  # schema VIDEOS
    rejects: pl.DataFrame  # schema REJECTS


def ingest(manifest: str | os.PathLike, *, max_pixels: int, workers: int) -> IngestResult:
    """Read ``manifest`` and probe each listed video on ``workers`` processes.

    A video that cannot be used becomes a reject with a one-line reason. Raises FvcError if the manifest is
    invalid (see read_manifest) or if no video is accepted.
    """
    manifest = Path(manifest)
    table = read_manifest(manifest)
    root = manifest.parent.resolve()
    paths = [str(root / p) for p in table["path"]]
    probes = parallel_map(partial(_probe_or_reason, max_pixels=max_pixels), paths, workers=workers, desc="probe")

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


def _probe_or_reason(path: str, *, max_pixels: int) -> Probe | str:
    # Runs in a worker: any failure to read a file is reported as a value, never raised, so one bad
    # file cannot stop the pool.
    try:
        return probe_video(path, max_pixels=max_pixels)
    except VideoError as err:
        return str(err)
    except OSError as err:
        return f"cannot read file ({err.strerror or type(err).__name__})"
