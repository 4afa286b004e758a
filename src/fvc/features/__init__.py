"""Handcrafted features of a video: pixel statistics of sampled frames and of the scaled clip, and codec metadata.

Column names, in table order: ``VIDEO_FEATURES``, ``CLIP_FEATURES``, ``CODEC_FEATURES``; ``FEATURE_DOCS`` gives
each a one-line definition, in the same order.
"""

from fvc.features.codec import CODEC_FEATURE_DOCS, CODEC_FEATURES, codec_features
from fvc.features.handcrafted import (
    CLIP_FEATURE_DOCS,
    CLIP_FEATURES,
    VIDEO_FEATURE_DOCS,
    VIDEO_FEATURES,
    clip_features,
    frame_clip_features,
    frame_video_features,
    luminance,
    video_features,
)

FEATURE_DOCS = {**VIDEO_FEATURE_DOCS, **CLIP_FEATURE_DOCS, **CODEC_FEATURE_DOCS}

__all__ = [
    "CLIP_FEATURES",
    "CODEC_FEATURES",
    "FEATURE_DOCS",
    "VIDEO_FEATURES",
    "clip_features",
    "codec_features",
    "frame_clip_features",
    "frame_video_features",
    "luminance",
    "video_features",
]
