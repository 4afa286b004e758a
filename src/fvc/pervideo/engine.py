"""The per-video engine: one computation over many videos, with a cache, a process pool and typed rejects.

A per-video stage (ingest's probe, scale, features) is a *step*: a picklable object (a frozen dataclass of its
params) whose ``compute`` makes one task's result and writes it as the task's *entry*, a file in a folder the
stage owns, and whose ``load`` reads an entry back. An entry's name is a key of the video's content hash, the
params and the code (fvc.pervideo.cachekey), so an existing entry is that result: it is read, never recomputed.
A video the step cannot use raises VideoError or OSError; the engine words it with ``reject_reason`` (the same
wording in every stage) into a REJECTS row, and the other videos go on.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

import polars as pl

from fvc.atomic import write_text
from fvc.errors import FvcError
from fvc.pervideo.pool import parallel_map
from fvc.pervideo.shards import UNSHARDED, Shard
from fvc.pervideo.stale import remove_stale_files
from fvc.schema import REJECTS
from fvc.video import VideoError

T = TypeVar("T")
R = TypeVar("R")

REJECT_SUFFIX = ".reject"  # <entry>.reject holds the reason of a cached reject (text)
REJECTABLE = (VideoError, OSError)  # what a step raises for a video it cannot use; anything else is a bug


@dataclass(frozen=True)
class Task(Generic[T]):
    """One video or augmented copy for a step."""

    video_id: str  # unique among a run's tasks (the key of its row)
    path: str  # the video as the rejects table names it (relative to the corpus root)
    data: T  # what the step computes from; picklable (it is sent to a worker process)
    entry: str = ""  # the entry's file name in the cache folder (a key of content, params and code)


class PerVideoStep(Protocol[T, R]):
    """What a per-video stage computes for one task. Module-level and picklable: it runs in worker processes."""

    def compute(self, data: T, entry: Path | None) -> R:
        """The result for ``data``, also written to ``entry`` (atomically) unless None.
        Raises VideoError or OSError for a video it cannot use."""
        ...

    def load(self, data: T, entry: Path) -> R:
        """The result that ``compute`` wrote to ``entry``."""
        ...


@dataclass(frozen=True)
class PerVideoResult(Generic[R]):
    rows: dict[str, R]  # video_id -> the result of each accepted task, in task order
    rejects: pl.DataFrame  # schema REJECTS, in task order
    computed: int  # tasks computed this run; the others were read from their entries


@dataclass(frozen=True)
class _Rejected:
    reason: str


def run_per_video(
    step: PerVideoStep[T, R],
    tasks: Sequence[Task[T]],
    *,
    cache_dir: str | os.PathLike | None,
    workers: int,
    desc: str,
    shard: Shard = UNSHARDED,
    chunksize: int = 1,
) -> PerVideoResult[R]:
    """Run ``step`` over the ``tasks`` that fall in ``shard``, on ``workers`` processes with a tqdm bar ``desc``.

    With ``cache_dir`` (a folder the stage owns), a task whose entry (or cached reject) exists there is read back
    in this process, the others are computed, and every other file of the folder is removed first. Without it,
    every task is computed and nothing is written. Returns rows, rejects and the computed count; they do not
    depend on ``workers``. Exceptions other than VideoError and OSError propagate: they are bugs, not videos.
    """
    tasks = [t for t in tasks if shard.holds(t.video_id)]
    folder = None if cache_dir is None else _own_folder(Path(cache_dir), tasks)
    cached = [folder is not None and _has_entry(folder / t.entry) for t in tasks]
    todo = [t for t, hit in zip(tasks, cached, strict=True) if not hit]
    # Chunks pay off when a task is cheaper than shipping it to a worker (hashing small files).
    fresh = iter(parallel_map(partial(_compute, step, folder), todo, workers=workers, desc=desc, chunksize=chunksize))
    outcomes = [_load(step, folder, t) if hit else next(fresh) for t, hit in zip(tasks, cached, strict=True)]
    rows, rejects = {}, []
    for task, outcome in zip(tasks, outcomes, strict=True):
        if isinstance(outcome, _Rejected):
            rejects.append({"video_id": task.video_id, "path": task.path, "reason": outcome.reason})
        else:
            rows[task.video_id] = outcome
    return PerVideoResult(rows, pl.DataFrame(rejects, schema=REJECTS), len(todo))


def reject_reason(err: VideoError | OSError) -> str:
    """The one-line reason a rejects table gives for ``err``, worded alike in every stage: a VideoError's own
    message, or ``cannot read <file name> (<system message>)`` for an OSError. Never a full path: rejects tables
    are DVC outputs, the same wherever the corpus is checked out."""
    if isinstance(err, OSError):
        name = Path(os.fsdecode(err.filename)).name if err.filename else "file"
        return f"cannot read {name} ({err.strerror or type(err).__name__})"
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def require_accepted(accepted: int, rejects: pl.DataFrame, where: str) -> None:
    """FvcError if videos were given (``rejects`` lists some) but none was accepted; it names ``where`` and the
    first reject."""
    if accepted or not rejects.height:
        return
    first = rejects.row(0, named=True)
    raise FvcError(f"{where}: no valid video among {rejects.height}; first: {first['path']}: {first['reason']}")


def save_json(row: dict[str, Any], entry: Path | None) -> dict[str, Any]:
    """Write ``row`` to ``entry`` as JSON (atomically) unless ``entry`` is None; returns ``row``."""
    if entry is not None:
        write_text(json.dumps(row), entry)
    return row


def load_json(entry: Path) -> dict[str, Any]:
    """The row that ``save_json`` wrote to ``entry``."""
    return json.loads(entry.read_text(encoding="utf-8"))


def _own_folder(folder: Path, tasks: list[Task]) -> Path:
    if any(not t.entry for t in tasks):
        raise ValueError("run_per_video: a task has no entry name, which a cache folder needs")
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_files(folder, {name for t in tasks for name in (t.entry, t.entry + REJECT_SUFFIX)})
    return folder


def _has_entry(entry: Path) -> bool:
    return entry.exists() or entry.with_name(entry.name + REJECT_SUFFIX).exists()


def _compute(step: PerVideoStep[T, R], folder: Path | None, task: Task[T]) -> R | _Rejected:
    # Runs in a worker: a video the step cannot use comes back as a value, so one bad file cannot stop the pool.
    entry = None if folder is None else folder / task.entry
    try:
        return step.compute(task.data, entry)
    except REJECTABLE as err:
        rejected = _Rejected(reject_reason(err))
        # A VideoError follows from the entry's inputs (content, params, code), so it would recur: cache it.
        # An OSError may not (a file being copied, a network share): the next run tries again.
        if entry is not None and isinstance(err, VideoError):
            write_text(rejected.reason, entry.with_name(entry.name + REJECT_SUFFIX))
        return rejected


def _load(step: PerVideoStep[T, R], folder: Path, task: Task[T]) -> R | _Rejected:
    entry = folder / task.entry
    if entry.exists():
        return step.load(task.data, entry)
    return _Rejected(entry.with_name(entry.name + REJECT_SUFFIX).read_text(encoding="utf-8"))
