"""Codec features: what the container says about a video, from the probe's columns (``fvc.schema.PROBE``)."""

from __future__ import annotations

import math

CODEC_FEATURE_DOCS = {
    "codec_bitrate": "file size x 8 / duration: the container's bit rate in bits/s (all streams); 0 if no duration",
    "codec_fps": "average frame rate of the video stream (frames/s); 0 if unknown",
    "codec_pixels": "displayed width x height of a frame (pixels)",
}
CODEC_FEATURES = tuple(CODEC_FEATURE_DOCS)


def codec_features(size_bytes: int, duration_s: float, fps: float, width: int, height: int) -> dict[str, float]:
    """The ``CODEC_FEATURES`` of one video, as finite floats.

    Arguments are named as the probe's columns, so ``codec_features(**{k: row[k] for k in ...})`` works.
    A duration or frame rate that is not a positive finite number (unknown to the container) gives 0.0 for the
    feature that needs it, rather than an infinite bit rate.
    """
    bitrate = 8.0 * size_bytes / duration_s if _positive(duration_s) else 0.0
    return {
        "codec_bitrate": float(bitrate),
        "codec_fps": float(fps) if _positive(fps) else 0.0,
        "codec_pixels": float(width * height),
    }


def _positive(value: float) -> bool:
    return math.isfinite(value) and value > 0
