"""Shards of the per-video stages: a video belongs to shard sha256(video_id) mod n, whatever else is in the corpus.

params.yaml's ``shards`` lists the shard indices ([0] by default; [0, 1, 2, 3] for four). dvc.yaml runs scale and
features once per shard (``foreach``), so a cluster can run the shards as separate jobs, and a cheap merge stage
joins their tables. A video's shard depends only on its id, so adding videos never moves the others.
"""

from __future__ import annotations

import hashlib

import polars as pl

from fvc.errors import FvcError


def shard_count(shards: object) -> int:
    """The number of shards from params.yaml's ``shards`` (a list 0..n-1); FvcError for anything else."""
    if not isinstance(shards, list) or not shards or shards != list(range(len(shards))):
        raise FvcError(f"params.yaml: shards = {shards!r}, expected a list 0..n-1 such as [0] or [0, 1, 2, 3]")
    return len(shards)


def shard_of(video_id: str, n_shards: int) -> int:
    """The shard of ``video_id`` among ``n_shards`` (stable across processes, machines and corpus changes)."""
    return int.from_bytes(hashlib.sha256(video_id.encode("utf-8")).digest()[:8], "big") % n_shards


def select_shard(table: pl.DataFrame, shard: int, n_shards: int, column: str = "video_id") -> pl.DataFrame:
    """The rows of ``table`` whose ``column`` falls in ``shard``; FvcError if shard is not in 0..n_shards-1."""
    if not 0 <= shard < n_shards:
        raise FvcError(f"shard {shard} is not among params.yaml's shards (0..{n_shards - 1})")
    keep = [shard_of(v, n_shards) == shard for v in table[column].to_list()]
    return table.filter(pl.Series(keep, dtype=pl.Boolean))
