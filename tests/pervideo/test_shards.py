"""Shards: a video's shard is sha256(video_id) mod n, so it is stable and adding videos never moves others."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fvc.errors import FvcError
from fvc.pervideo.shards import select_shard, shard_count, shard_of


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
    table = pl.DataFrame({"video_id": ids + [f"new{i}" for i in range(50)]})
    after = {v: s for s in range(4) for v in select_shard(table, s, 4)["video_id"]}
    assert {v: after[v] for v in ids} == before


@pytest.mark.parametrize("shards", [[1], [0, 2], 3, [], [1, 0], None])
def test_shard_count_refuses_anything_but_a_list_zero_to_n_minus_one(shards: object) -> None:
    with pytest.raises(FvcError, match=r"params.yaml: shards = "):
        shard_count(shards)


@pytest.mark.parametrize(("shards", "count"), [([0], 1), ([0, 1, 2, 3], 4)])
def test_shard_count_is_the_length_of_the_list(shards: list[int], count: int) -> None:
    assert shard_count(shards) == count


def test_select_shard_partitions_a_table() -> None:
    table = pl.DataFrame({"video_id": [f"v{i}" for i in range(40)], "x": range(40)})
    parts = [select_shard(table, s, 3) for s in range(3)]
    assert sum(p.height for p in parts) == table.height
    assert pl.concat(parts).sort("x").equals(table)
    assert all(p.height for p in parts)  # 40 ids over 3 shards: none empty


def test_select_shard_refuses_a_shard_out_of_range() -> None:
    with pytest.raises(FvcError, match=r"shard 2 is not among params.yaml's shards \(0..1\)"):
        select_shard(pl.DataFrame({"video_id": ["a"]}), 2, 2)
