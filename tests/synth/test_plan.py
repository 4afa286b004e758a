"""The corpus plan (no rendering): sizes, variety, balance and determinism."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from fvc.errors import FvcError
from fvc.synth import SIZES, build_plan
from fvc.synth.encode import rgb_to_yuv420p


@pytest.fixture(scope="module")
def small() -> list:
    return build_plan(0, "small")


def test_size_counts() -> None:
    clips = {name: 2 * len(build_plan(0, name)) for name in SIZES}
    assert 16 <= clips["tiny"] <= 24 and clips["small"] >= 96 and clips["medium"] >= 5 * clips["small"]
    assert {name: SIZES[name].n_clips for name in SIZES} == clips
    tiny = build_plan(0, "tiny")
    assert 4 <= len({r.group.group for r in tiny}) <= 6 and max(r.n_frames for r in tiny) <= 24


def test_small_variety(small: list) -> None:
    assert len({r.aspect for r in small}) >= 4
    assert len({r.fps for r in small}) >= 4 and min(r.fps for r in small) >= 12 and max(r.fps for r in small) <= 30
    lengths = [r.n_frames for r in small]
    assert max(lengths) >= 4 * min(lengths)
    assert len({r.bpp for r in small}) >= 3
    for r in small:
        assert r.width % 2 == 0 and r.height % 2 == 0
        assert 150 <= max(r.width, r.height) <= 330
    assert len({r.group.group for r in small}) >= 12
    identities = Counter(r.group.identity for r in small)
    assert len(identities) >= 6  # enough for 5-fold CV grouped by source
    assert all(n >= 2 * 3 for n in identities.values())  # every identity recurs across groups
    assert {r.method for r in small} == {"faceswap", "selfblend"}


def test_factors_are_spread_evenly(small: list) -> None:
    for attr in ("aspect", "side", "fps", "n_frames", "bpp", "method"):
        counts = Counter(getattr(r, attr) for r in small).values()
        assert max(counts) - min(counts) <= 1, attr


def test_plan_is_deterministic_and_seeded() -> None:
    assert build_plan(0, "small") == build_plan(0, "small")
    assert build_plan(0, "small") != build_plan(1, "small")


def test_faceswap_donor_is_another_identity(small: list) -> None:
    for r in small:
        assert (r.donor == r.group.identity) == (r.method == "selfblend")


def test_twins_share_a_bit_rate_that_follows_the_bits_per_pixel(small: list) -> None:
    for r in small:
        assert r.bitrate_kbps == max(1, round(r.bpp * r.width * r.height * r.fps / 1000))
    # 0.04 bit per pixel on the smallest frames at the lowest rate still gets a usable rate
    assert min(r.bitrate_kbps for r in small) >= 5


@pytest.mark.parametrize("size", list(SIZES))
def test_held_out_people_appear_in_no_train_corpus_of_any_size(size: str) -> None:
    seen = {r.group.identity for name in SIZES for r in build_plan(0, name)}
    held_out = build_plan(0, size, identities="held_out")
    people = {r.group.identity for r in held_out}
    assert len(people) == SIZES[size].identities and not people & seen
    assert all(r.group.group.startswith("x") for r in held_out)  # ids never collide with a train corpus's
    for attr in ("aspect", "bpp", "method"):  # the same nuisance lists: the shift is the people
        assert {getattr(r, attr) for r in held_out} == {getattr(r, attr) for r in build_plan(0, size)}, attr


def test_bad_size_or_identity_pool_is_a_user_error() -> None:
    with pytest.raises(FvcError, match="unknown identities 'test'"):
        build_plan(0, "small", identities="test")
    with pytest.raises(FvcError, match="unknown size 'large'"):
        build_plan(0, "large")


def test_rgb_to_yuv420p_matches_bt601() -> None:
    rgb = np.random.default_rng(0).integers(0, 256, size=(3, 6, 8), dtype=np.uint8)
    yuv = rgb_to_yuv420p(rgb).astype(np.int64)
    r, g, b = rgb.astype(np.int64)
    assert np.array_equal(yuv[:6], ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16)
    q = (rgb.astype(np.int64).reshape(3, 3, 2, 4, 2).sum(axis=(2, 4)) + 2) >> 2
    u = ((-38 * q[0] - 74 * q[1] + 112 * q[2] + 128) >> 8) + 128
    v = ((112 * q[0] - 94 * q[1] - 18 * q[2] + 128) >> 8) + 128
    assert np.array_equal(yuv[6:].reshape(-1), np.concatenate([u.reshape(-1), v.reshape(-1)]))
