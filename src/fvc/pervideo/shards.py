"""Shards of the per-video stages: a video belongs to shard sha256(video_id) mod n, whatever else is in the corpus.

params.yaml's ``shards`` lists the shard indices ([0] by default; [0, 1, 2, 3] for four). dvc.yaml runs scale and
features once per shard (``foreach``), so a cluster can run the shards as separate jobs, and a cheap merge stage
joins their tables. A video's shard depends only on its id, so adding videos never moves the others. The per-video
engine (fvc.pervideo.engine) keeps a stage's tasks to its ``Shard``: no stage filters by itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from fvc.errors import FvcError


def shard_of(video_id: str, n_shards: int) -> int:
    """The shard of ``video_id`` among ``n_shards`` (stable across processes, machines and corpus changes)."""
    return int.from_bytes(hashlib.sha256(video_id.encode("utf-8")).digest()[:8], "big") % n_shards


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` (``count`` = len(params.yaml's shards)); the default, 0 of 1, holds every
    video. FvcError if ``index`` is not in 0..count-1."""

    index: int = 0
    count: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.index < self.count:
            raise FvcError(f"shard {self.index} is not among params.yaml's shards (0..{self.count - 1})")

    def holds(self, video_id: str) -> bool:
        """Whether ``video_id`` falls in this shard."""
        return shard_of(video_id, self.count) == self.index


UNSHARDED = Shard(0, 1)  # the whole corpus as one shard: what a stage runs on without params.yaml's shards
