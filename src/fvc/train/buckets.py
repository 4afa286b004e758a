"""Aspect-ratio bucketing: batches of clips that share (H, W), so almost no voxel is padding.

NovelAI/SDXL-style. Clips of one (H, W) form a bucket; each epoch every bucket is shuffled and cut into full
batches, and the batches are ordered by drawing a bucket at random weighted by how many batches it has left.
What no bucket can fill (each bucket's remainder) is pooled, sorted by size and cut into mixed "leftover"
batches at the end of the epoch: the only batches that mix sizes, and the only ones ``pad_collate`` pads.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import numpy as np
import torch
from torch.utils.data import Sampler


class AspectRatioBucketSampler(Sampler[list[int]]):
    """A batch sampler (DataLoader's ``batch_sampler=``) over clips of the given (H, W) ``shapes``.

    Every index appears exactly once per epoch (unless ``drop_last`` or DDP padding, below). The order is a
    pure function of ``(seed, epoch)``: call ``set_epoch(e)`` before each epoch, as with DistributedSampler.
    ``shuffle=False`` gives buckets in sorted (H, W) order, indices ascending.

    DDP (``num_replicas`` > 1): every rank builds the same epoch's batch list and takes every
    ``num_replicas``-th batch from position ``rank``, so shares are disjoint. To make shares equally long
    (ranks must step together), the list is padded by repeating batches from its start, as DistributedSampler
    repeats indices: those few batches are seen twice in the epoch. With ``drop_last`` the list is instead
    truncated to a multiple of ``num_replicas``, and the last leftover batch is dropped if it is short.

    Views: with ``views``, ``shapes`` describes items (a video) and ``views[i]`` lists the dataset indices that
    can stand for item i (the video and its augmented copies, all of its shape). Each epoch every item appears
    once, as one of its views drawn from (seed, epoch), so an epoch costs the same however many copies exist.

    Errors: ValueError for batch_size < 1, num_replicas < 1, rank outside [0, num_replicas), seed < 0, or
    ``views`` not one non-empty list per shape.
    """

    def __init__(
        self,
        shapes: Sequence[tuple[int, int]],
        batch_size: int,
        *,
        seed: int,
        drop_last: bool = False,
        shuffle: bool = True,
        num_replicas: int = 1,
        rank: int = 0,
        views: Sequence[Sequence[int]] | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size = {batch_size}, expected >= 1")
        if num_replicas < 1 or not 0 <= rank < num_replicas:
            raise ValueError(f"rank {rank} of num_replicas {num_replicas}: expected 0 <= rank < num_replicas")
        if seed < 0:
            raise ValueError(f"seed = {seed}, expected >= 0")
        if views is not None and (len(views) != len(shapes) or not all(len(v) for v in views)):
            raise ValueError(f"views: expected one non-empty list per shape ({len(shapes)}), got {len(views)}")
        self.views = [list(map(int, v)) for v in views] if views is not None else None
        self.batch_size, self.seed, self.drop_last, self.shuffle = batch_size, seed, drop_last, shuffle
        self.num_replicas, self.rank, self.epoch = num_replicas, rank, 0
        self.shapes = [(int(h), int(w)) for h, w in shapes]
        self.buckets: dict[tuple[int, int], list[int]] = {}
        for index, shape in enumerate(self.shapes):
            self.buckets.setdefault(shape, []).append(index)

    def set_epoch(self, epoch: int) -> None:
        """Select the epoch whose order ``__iter__`` yields next (seeds the shuffle with (seed, epoch))."""
        self.epoch = epoch

    def epoch_batches(self) -> list[list[int]]:
        """All batches of the current epoch, before the split across ranks: full batches, then leftovers."""
        rng = np.random.default_rng([self.seed, self.epoch])
        full: dict[tuple[int, int], list[list[int]]] = {}
        leftover: list[int] = []
        for shape in sorted(self.buckets):
            indices = list(self.buckets[shape])
            if self.shuffle:
                indices = [indices[i] for i in rng.permutation(len(indices))]
            cut = len(indices) - len(indices) % self.batch_size
            full[shape] = [indices[i : i + self.batch_size] for i in range(0, cut, self.batch_size)]
            leftover += indices[cut:]
        # Drawing a bucket with probability proportional to its remaining batches, until all are drawn, yields
        # a uniformly random interleaving of the buckets: shuffle the multiset of bucket labels once.
        draws = [shape for shape in sorted(full) for _ in full[shape]]
        if self.shuffle:
            draws = [draws[i] for i in rng.permutation(len(draws))]
        taken = dict.fromkeys(full, 0)
        batches = []
        for shape in draws:
            batches.append(full[shape][taken[shape]])
            taken[shape] += 1
        # Sorting leftovers by size (stable, so shuffled within a size) keeps similar sizes together: less padding.
        leftover.sort(key=lambda i: (self.shapes[i][0] * self.shapes[i][1], self.shapes[i]))
        batches += [leftover[i : i + self.batch_size] for i in range(0, len(leftover), self.batch_size)]
        if self.drop_last and leftover and len(batches[-1]) < self.batch_size:
            batches.pop()
        if self.views is not None:  # one view per item, drawn apart from the order so views never change it
            pick = np.random.default_rng([self.seed, self.epoch, 1])
            chosen = [v[int(pick.integers(len(v)))] for v in self.views]
            batches = [[chosen[i] for i in batch] for batch in batches]
        return batches

    def global_batches(self) -> list[list[int]]:
        """The current epoch's batches of all ranks, padded or truncated to ``num_replicas`` equal shares; rank r
        yields items r, r + num_replicas, ... (with one replica: ``epoch_batches``)."""
        batches = self.epoch_batches()
        if self.num_replicas > 1:
            total = len(self) * self.num_replicas
            if total <= len(batches):
                batches = batches[:total]
            else:
                batches += (batches * math.ceil(total / max(len(batches), 1)))[: total - len(batches)]
        return batches

    def __iter__(self) -> Iterator[list[int]]:
        return iter(self.global_batches()[self.rank :: self.num_replicas])

    def __len__(self) -> int:
        """Batches this rank yields per epoch (the same every epoch)."""
        n_full = sum(len(ix) // self.batch_size for ix in self.buckets.values())
        n_left = sum(len(ix) % self.batch_size for ix in self.buckets.values())
        n = n_full + (n_left // self.batch_size if self.drop_last else math.ceil(n_left / self.batch_size))
        return n // self.num_replicas if self.drop_last else math.ceil(n / self.num_replicas)


def pad_collate(batch: Sequence[tuple[torch.Tensor, float, int]]) -> dict[str, object]:
    """Stack ``(clip, label, index)`` items, zero-padding clips of different sizes at the bottom/right (and end).

    Input clips are (C, T, H, W), uint8 (scaled by 1/255) or float already in [0, 1]; C must agree.
    Output: ``{"x": (N, C, Tmax, Hmax, Wmax) float32, "mask": None if nothing is padded, else bool
    (N, 1, 1, Hmax, Wmax) (or (N, 1, Tmax, Hmax, Wmax) when lengths differ), True on real voxels,
    "y": (N,) float32, "index": (N,) int64, "pad_fraction": padded voxels / all voxels of x (per channel)}``.
    Errors: ValueError for an empty batch, a clip that is not 4-D, or differing channel counts.
    """
    if not batch:
        raise ValueError("empty batch")
    clips = [item[0] for item in batch]
    if any(c.dim() != 4 for c in clips) or len({c.shape[0] for c in clips}) != 1:
        raise ValueError(f"clips must be (C, T, H, W) with one C; got {[tuple(c.shape) for c in clips]}")
    c = clips[0].shape[0]
    t_max, h_max, w_max = (max(clip.shape[d] for clip in clips) for d in (1, 2, 3))
    n = len(clips)
    x = torch.zeros(n, c, t_max, h_max, w_max, dtype=torch.float32)
    time_varies = any(clip.shape[1] != t_max for clip in clips)
    mask = torch.zeros(n, 1, t_max if time_varies else 1, h_max, w_max, dtype=torch.bool)
    valid = 0
    for i, clip in enumerate(clips):
        _, t, h, w = clip.shape
        slot = x[i, :, :t, :h, :w]
        slot.copy_(clip)  # converts to float32 in place: no temporary copies of the clip
        if clip.dtype == torch.uint8:
            slot.div_(255.0)
        mask[i, :, : t if time_varies else 1, :h, :w] = True
        valid += t * h * w
    total = n * t_max * h_max * w_max
    return {
        "x": x,
        "mask": None if valid == total else mask,
        "y": torch.tensor([float(item[1]) for item in batch], dtype=torch.float32),
        "index": torch.tensor([int(item[2]) for item in batch], dtype=torch.int64),
        "pad_fraction": 1.0 - valid / total,
    }
