"""A process pool with a progress bar, for per-video work."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")
R = TypeVar("R")


def parallel_map(fn: Callable[[T], R], items: Sequence[T], *, workers: int, desc: str, chunksize: int = 1) -> list[R]:
    """Apply ``fn`` to each item on ``workers`` processes (1: in this process) with a tqdm bar.

    Results come back in the order of ``items``, so output does not depend on the worker count.
    ``fn`` must be picklable (a module-level function, or a partial of one); an exception it raises stops the
    map, so per-video work reports a bad video as a value (fvc.pervideo.engine does).
    """
    bar = tqdm(total=len(items), desc=desc, unit="video", leave=False, disable=None)
    try:
        if workers <= 1 or len(items) <= 1:
            with _torch_threads(1):  # as in a worker, so results do not depend on the worker count
                return [_tick(bar, fn(item)) for item in items]
        with ProcessPoolExecutor(max_workers=min(workers, len(items)), initializer=_worker_init) as pool:
            return [_tick(bar, r) for r in pool.map(fn, items, chunksize=chunksize)]
    finally:
        bar.close()


@contextlib.contextmanager
def _torch_threads(n: int) -> Iterator[None]:
    torch = sys.modules.get("torch")
    before = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if torch is not None:
            torch.set_num_threads(before)


def _worker_init() -> None:
    # A forked worker inherits torch's OpenMP pool in a broken state if the parent has used it (libgomp is not
    # fork-safe): its first parallel op hangs or crashes. One thread per worker also avoids oversubscribing.
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


def _tick(bar: tqdm, result: R) -> R:
    bar.update(1)
    return result
