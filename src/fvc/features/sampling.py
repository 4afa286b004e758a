"""How many frames of a video the handcrafted features look at."""

from __future__ import annotations

# The origin's adaptive sampling: a tenth of the video, at least 5 and at most 50 frames.
FRAME_FRACTION_DIVISOR = 10
MIN_FEATURE_FRAMES = 5
MAX_FEATURE_FRAMES = 50


def feature_frame_count(frame_count: int) -> int:
    """Number of frames to sample for features from a video of ``frame_count`` frames.

    10 % of the frames (rounded down), clamped to 5..50, and never more than the video has: 1 -> 1, 30 -> 5,
    100 -> 10, 1000 -> 50. Pass the result as ``num_frames`` to ``fvc.video.sample_frame_indices``.
    Raises ValueError if ``frame_count`` < 1.
    """
    if frame_count < 1:
        raise ValueError(f"frame_count={frame_count}: a video has at least 1 frame")
    tenth = frame_count // FRAME_FRACTION_DIVISOR
    return int(min(frame_count, max(MIN_FEATURE_FRAMES, min(MAX_FEATURE_FRAMES, tenth))))
