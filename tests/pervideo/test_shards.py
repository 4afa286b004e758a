"""Shards: a video's shard is sha256(video_id) mod n, so it is stable and adding videos never moves others."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fvc.errors import FvcError
from fvc.params import index_list
from fvc.pervideo.shards import UNSHARDED, Shard, shard_of


def test_shard_of_is_the_first_eight_bytes_of_sha256_mod_n() -> None:
    # sha256("abc") starts ba7816bf8f01cfea, sha256("video-001") starts 4142b3fafef04a68 (computed once, by hand).
    assert shard_of("abc", 4) == 0xBA7816BF8F01CFEA % 4 == 2
    assert shard_of("abc", 7) == 2
    assert shard_of("video-001", 7) == 4
    assert shard_of("video-001", 1) == 0


@given(video_id=st.text(max_size=30), n=st.integers(1, 64))
def test_shard_of_is_in_range(video_id: str, n: int) -> None:
    assert 0 <= shard_of(video_id, n) < n


def test_adding_ids_never_moves_existing_ones() -> None:
    ids = [f"v{i}" for i in range(50)]
    before = {v: shard_of(v, 4) for v in ids}
    every = ids + [f"new{i}" for i in range(50)]
    after = {v: s for s in range(4) for v in every if Shard(s, 4).holds(v)}
    assert {v: after[v] for v in ids} == before


def test_the_shards_partition_the_ids() -> None:
    ids = [f"v{i}" for i in range(40)]
    parts = [[v for v in ids if Shard(s, 3).holds(v)] for s in range(3)]
    assert sorted(v for part in parts for v in part) == sorted(ids)
    assert all(parts)  # 40 ids over 3 shards: none empty


def test_unsharded_holds_every_video() -> None:
    assert all(UNSHARDED.holds(f"v{i}") for i in range(20))


def test_a_shard_out_of_range_is_refused() -> None:
    with pytest.raises(FvcError, match=r"shard 2 is not among params.yaml's shards \(0..1\)"):
        Shard(2, 2)


@pytest.mark.parametrize("shards", [[1], [0, 2], 3, [], [1, 0], None])
def test_the_shards_param_must_be_a_list_zero_to_n_minus_one(shards: object) -> None:
    with pytest.raises(FvcError, match=r"params.yaml: shards = "):
        index_list({"shards": shards}, "shards")
