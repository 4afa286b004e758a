"""AspectRatioBucketSampler and pad_collate: batches by size, every clip once, padding only where sizes mix."""

from __future__ import annotations

import itertools

import pytest
import torch

from fvc.train.buckets import AspectRatioBucketSampler, pad_collate

# 3 buckets of 9, 5 and 2 clips, interleaved so a bucket is not a run of indices.
SHAPES = [(144, 256), (256, 144), (144, 256), (256, 256), (144, 256), (256, 144)] * 2 + [(144, 256)] * 3
SHAPES += [(256, 144)]


def epoch(sampler: AspectRatioBucketSampler, e: int) -> list[list[int]]:
    sampler.set_epoch(e)
    return list(sampler)


@pytest.mark.parametrize("batch_size", [1, 2, 3, 4, 20])
def test_every_index_appears_exactly_once_per_epoch(batch_size: int) -> None:
    sampler = AspectRatioBucketSampler(SHAPES, batch_size, seed=0)
    for e in range(3):
        batches = epoch(sampler, e)
        assert sorted(itertools.chain(*batches)) == list(range(len(SHAPES)))
        assert len(batches) == len(sampler)


def test_only_leftover_batches_mix_sizes_and_come_last() -> None:
    sampler = AspectRatioBucketSampler(SHAPES, 3, seed=1)
    batches = epoch(sampler, 0)
    full = [b for b in batches if len({SHAPES[i] for i in b}) == 1 and len(b) == 3]
    n_full = 3 + 1 + 0  # bucket sizes 9, 5, 2
    assert len(full) >= n_full
    assert all(len({SHAPES[i] for i in b}) == 1 for b in batches[:n_full])
    leftovers = list(itertools.chain(*batches[n_full:]))
    assert sorted(SHAPES[i] for i in leftovers) == [(256, 144)] * 2 + [(256, 256)] * 2


def test_same_seed_and_epoch_give_the_same_order_and_epochs_differ() -> None:
    a = AspectRatioBucketSampler(SHAPES, 2, seed=7)
    b = AspectRatioBucketSampler(SHAPES, 2, seed=7)
    assert epoch(a, 3) == epoch(b, 3)
    assert epoch(a, 0) != epoch(a, 1)
    assert epoch(a, 0) != epoch(AspectRatioBucketSampler(SHAPES, 2, seed=8), 0)


def test_full_batches_interleave_buckets() -> None:
    shapes = [(32, 32)] * 40 + [(32, 64)] * 40
    batches = epoch(AspectRatioBucketSampler(shapes, 4, seed=0), 0)
    first_bucket = [shapes[b[0]] for b in batches]
    assert first_bucket[:10] != [first_bucket[0]] * 10  # not bucket after bucket


def test_no_shuffle_is_sorted_buckets_in_index_order() -> None:
    batches = epoch(AspectRatioBucketSampler([(2, 2), (1, 1), (2, 2), (1, 1)], 2, seed=0, shuffle=False), 5)
    assert batches == [[1, 3], [0, 2]]


def test_drop_last_drops_only_a_short_leftover_batch() -> None:
    sampler = AspectRatioBucketSampler(SHAPES, 4, seed=0, drop_last=True)
    batches = epoch(sampler, 0)
    assert all(len(b) == 4 for b in batches) and len(batches) == len(sampler) == 4  # 16 clips, 4 batches


@pytest.mark.parametrize(("batch_size", "replicas", "drop_last"), [(2, 2, False), (3, 4, False), (2, 3, True)])
def test_ddp_shares_are_disjoint_equal_and_cover_the_epoch(batch_size: int, replicas: int, drop_last: bool) -> None:
    kwargs = {"seed": 3, "num_replicas": replicas, "drop_last": drop_last}
    shares = [epoch(AspectRatioBucketSampler(SHAPES, batch_size, rank=r, **kwargs), 2) for r in range(replicas)]
    whole = epoch(AspectRatioBucketSampler(SHAPES, batch_size, seed=3, drop_last=drop_last), 2)
    lengths = {len(s) for s in shares}
    assert lengths == {len(AspectRatioBucketSampler(SHAPES, batch_size, **kwargs))}
    # Positions are split disjointly; only the padding (batches repeated from the start) repeats.
    n_padding = len(shares[0]) * replicas - len(whole)
    seen = [tuple(b) for b in itertools.chain(*shares)]
    if drop_last:
        assert n_padding <= 0 and len(set(seen)) == len(seen)
    else:
        assert sorted(seen) == sorted([tuple(b) for b in whole] + [tuple(b) for b in whole[:n_padding]])


def test_ddp_shares_without_padding_are_disjoint() -> None:
    shapes = [(8, 8)] * 8 + [(8, 16)] * 8  # 8 full batches of 2, split over 4 ranks
    shares = [
        set(itertools.chain(*epoch(AspectRatioBucketSampler(shapes, 2, seed=0, num_replicas=4, rank=r), 0)))
        for r in range(4)
    ]
    assert sum(len(s) for s in shares) == 16 and set().union(*shares) == set(range(16))


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        AspectRatioBucketSampler(SHAPES, 0, seed=0)
    with pytest.raises(ValueError, match="rank"):
        AspectRatioBucketSampler(SHAPES, 2, seed=0, num_replicas=2, rank=2)


def test_pad_collate_pads_bottom_right_and_masks_exactly_the_valid_region() -> None:
    a = torch.full((3, 2, 4, 6), 255, dtype=torch.uint8)
    b = torch.full((3, 2, 5, 3), 0.5)
    out = pad_collate([(a, 1.0, 10), (b, 0.0, 11)])
    x, mask = out["x"], out["mask"]
    assert x.shape == (2, 3, 2, 5, 6) and x.dtype == torch.float32
    assert mask.shape == (2, 1, 1, 5, 6) and mask.dtype == torch.bool
    assert torch.equal(x[0, :, :, :4, :6], torch.ones(3, 2, 4, 6)) and x[0, :, :, 4:].abs().sum() == 0
    assert torch.equal(x[1, :, :, :5, :3], b) and x[1, :, :, :, 3:].abs().sum() == 0
    expected = torch.zeros(2, 1, 1, 5, 6, dtype=torch.bool)
    expected[0, :, :, :4, :6] = True
    expected[1, :, :, :5, :3] = True
    assert torch.equal(mask, expected)
    assert out["y"].tolist() == [1.0, 0.0] and out["index"].tolist() == [10, 11]
    assert out["pad_fraction"] == pytest.approx(1 - (24 + 15) / 60)


def test_pad_collate_masks_time_when_lengths_differ() -> None:
    out = pad_collate([(torch.zeros(3, 4, 2, 2), 0.0, 0), (torch.zeros(3, 2, 2, 2), 1.0, 1)])
    assert out["mask"].shape == (2, 1, 4, 2, 2)
    assert out["mask"][1, 0, :, 0, 0].tolist() == [True, True, False, False]
    assert out["pad_fraction"] == pytest.approx(0.25)


def test_pad_collate_of_one_size_has_no_mask_and_no_padding() -> None:
    out = pad_collate([(torch.zeros(3, 2, 4, 6, dtype=torch.uint8), 0.0, i) for i in range(3)])
    assert out["mask"] is None and out["pad_fraction"] == 0.0 and out["x"].shape == (3, 3, 2, 4, 6)


def test_sampler_and_collate_pad_only_leftover_batches() -> None:
    clips = [torch.zeros(3, 1, h // 16, w // 16, dtype=torch.uint8) for h, w in SHAPES]
    batches = epoch(AspectRatioBucketSampler(SHAPES, 3, seed=0), 0)
    fractions = [pad_collate([(clips[i], 0.0, i) for i in b])["pad_fraction"] for b in batches]
    n_full = 3 + 1 + 0
    assert fractions[:n_full] == [0.0] * n_full and any(f > 0 for f in fractions[n_full:])


def test_views_stand_in_for_each_item_once_per_epoch() -> None:
    # Items 0..5; item i has dataset indices 2i (the video) and 2i+1 (its copy), both of the item's shape.
    shapes = [(32, 64), (32, 64), (64, 32), (64, 32), (64, 64), (32, 64)]
    views = [[2 * i, 2 * i + 1] for i in range(len(shapes))]
    sampler = AspectRatioBucketSampler(shapes, 2, seed=3, views=views)
    seen_copies = set()
    for epoch in range(6):
        sampler.set_epoch(epoch)
        chosen = [i for batch in sampler for i in batch]
        assert sorted(i // 2 for i in chosen) == list(range(len(shapes)))  # every item once
        seen_copies |= {i for i in chosen if i % 2}
        sampler.set_epoch(epoch)
        assert [i for batch in sampler for i in batch] == chosen  # a pure function of (seed, epoch)
    assert seen_copies  # copies do train
