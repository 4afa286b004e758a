"""Specification of fvc.features.codec: container metadata as features."""

from __future__ import annotations

import math

from fvc.features import CODEC_FEATURES, codec_features


def test_bitrate_is_bits_per_second_of_the_whole_file() -> None:
    f = codec_features(size_bytes=250_000, duration_s=2.0, fps=25.0, width=320, height=240)
    assert f == {"codec_bitrate": 1_000_000.0, "codec_fps": 25.0, "codec_pixels": 76_800.0}
    assert tuple(f) == CODEC_FEATURES


def test_unknown_duration_or_frame_rate_gives_zero_not_infinity() -> None:
    for duration, fps in [(0.0, 0.0), (-1.0, -1.0), (math.nan, math.nan), (math.inf, math.inf)]:
        f = codec_features(size_bytes=1000, duration_s=duration, fps=fps, width=2, height=2)
        assert f["codec_bitrate"] == 0.0
        assert f["codec_fps"] == 0.0


def test_values_are_python_floats() -> None:
    f = codec_features(size_bytes=10, duration_s=1, fps=30, width=3, height=5)
    assert all(type(v) is float for v in f.values())
