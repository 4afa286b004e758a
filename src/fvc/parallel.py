"""A process pool with a progress bar, for per-video work."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")
R = TypeVar("R")


def parallel_map(fn: Callable[[T], R], items: Sequence[T], *, workers: int, desc: str, chunksize: int = 1) -> list[R]:
    """Apply ``fn`` to each item on ``workers`` processes (1: in this process) with a tqdm bar.

    Results come back in the order of ``items``, so output does not depend on the worker count.
    ``fn`` must be a module-level function and must not raise for bad input it can report as a value.
    """
    bar = tqdm(total=len(items), desc=desc, unit="video", leave=False, disable=None)
    try:
        if workers <= 1 or len(items) <= 1:
            return [_tick(bar, fn(item)) for item in items]
        with ProcessPoolExecutor(max_workers=min(workers, len(items))) as pool:
            return [_tick(bar, r) for r in pool.map(fn, items, chunksize=chunksize)]
    finally:
        bar.close()


def _tick(bar: tqdm, result: R) -> R:
    bar.update(1)
    return result
