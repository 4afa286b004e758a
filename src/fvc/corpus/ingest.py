"""Ingest: validate the manifest and probe every video, splitting them into accepted and rejected."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

import fvc.video
from fvc.corpus.registry import read_corpus
from fvc.pervideo.cachekey import cache_key, code_digest
from fvc.pervideo.engine import Task, load_json, require_accepted, run_per_video, save_json
from fvc.schema import REJECTS, VIDEOS
from fvc.video import Probe, file_sha256, probe_video


@dataclass(frozen=True)
class IngestResult:
    videos: pl.DataFrame  # schema VIDEOS
    rejects: pl.DataFrame  # schema REJECTS


@dataclass(frozen=True)
class ProbeStep:
    """The per-video step of ingest: probe one file (an absolute path); its entry is the probe as JSON."""

    max_pixels: int

    def compute(self, path: str, entry: Path | None) -> Probe:
        probe = probe_video(path, max_pixels=self.max_pixels)
        save_json(probe.as_row(), entry)
        return probe

    def load(self, path: str, entry: Path) -> Probe:
        return Probe(**load_json(entry))


@dataclass(frozen=True)
class _ContentHash:
    """sha256 of one file: the key of its probe's entry, so never cached itself."""

    def compute(self, path: str, entry: None) -> str:
        return file_sha256(path)

    load = compute  # never called: hashes run without a cache folder


def ingest(
    corpus: str | os.PathLike,
    *,
    max_pixels: int,
    workers: int,
    layout: str = "manifest",
    options: dict | None = None,
    cache_dir: str | os.PathLike | None = None,
) -> IngestResult:
    """List the videos of the corpus in folder ``corpus`` with its ``layout``'s reader and ``options``
    (fvc.corpus.read_corpus; for the manifest layout ``corpus`` may also be the manifest CSV itself) and probe each
    on ``workers`` processes.

    A video that cannot be used becomes a reject with a one-line reason. With ``cache_dir``, each file's outcome
    is cached there under a key of its content hash (sha256), ``max_pixels`` and the probing code, so a rerun
    reads each file once to hash it but probes only new or changed ones; entries no listed file maps to are
    removed. Content keys (not modification times) keep the cache identical on every checkout, as a DVC output.
    Raises FvcError if the corpus is invalid (see read_corpus) or if no video is accepted.
    """
    root, options = Path(corpus), dict(options or {})
    if layout == "manifest" and root.suffix == ".csv":  # the manifest file itself
        root, options["name"] = root.parent, root.name
    table = read_corpus(root, layout, **options)
    root = root.resolve()
    tasks = [Task(r["video_id"], r["path"], str(root / r["path"])) for r in table.iter_rows(named=True)]
    unreadable = pl.DataFrame(schema=REJECTS)
    if cache_dir is not None:
        tasks, unreadable = _keyed(tasks, max_pixels, workers)
    probes = run_per_video(ProbeStep(max_pixels), tasks, cache_dir=cache_dir, workers=workers, desc="probe")
    accepted = [
        {**rec, **probes.rows[rec["video_id"]].as_row()}
        for rec in table.iter_rows(named=True)
        if rec["video_id"] in probes.rows
    ]
    rejects = pl.concat([unreadable, probes.rejects]).sort("video_id")
    require_accepted(len(accepted), rejects, str(Path(corpus)))
    return IngestResult(videos=pl.DataFrame(accepted, schema=VIDEOS).sort("video_id"), rejects=rejects)


def _keyed(tasks: list[Task[str]], max_pixels: int, workers: int) -> tuple[list[Task[str]], pl.DataFrame]:
    """The tasks of the files that can be read, each with its entry name (a key of the file's manifest path,
    content hash, ``max_pixels`` and the probing code), and the rejects of the files that cannot."""
    # Chunks: hashing a small file costs less than sending it to a worker alone.
    hashes = run_per_video(_ContentHash(), tasks, cache_dir=None, workers=workers, desc="hash", chunksize=32)
    code = code_digest(fvc.video, sys.modules[__name__])
    keyed = []
    for task in tasks:
        if task.video_id in hashes.rows:
            key = cache_key(path=task.path, content=hashes.rows[task.video_id], max_pixels=max_pixels, code=code)
            keyed.append(replace(task, entry=f"{key}.json"))
    return keyed, hashes.rejects
