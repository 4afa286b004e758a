"""Which frames of a video are read: every frame-index choice of the project lives here.

``sample_frame_indices`` picks the T frames of a clip (uniform, or as snippets of consecutive frames);
``feature_frame_count`` says how many frames the handcrafted features look at.
"""

from __future__ import annotations

import numpy as np

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


def sample_frame_indices(frame_count: int, num_frames: int, snippet: int = 1) -> np.ndarray:
    """``num_frames`` frame indices covering ``[0, frame_count)`` uniformly, as ``num_frames // snippet`` snippets
    of ``snippet`` consecutive frames, each centred in one of that many equal segments of the video.

    ``snippet=1`` is plain uniform sampling (the centre of each of ``num_frames`` segments). Consecutive frames
    keep frame-to-frame cues (flicker, misalignment) that distant frames bury under camera motion. A video
    shorter than a snippet, or than ``num_frames``, repeats frames. Returns int64, non-decreasing.
    Raises ValueError unless frame_count, num_frames, snippet >= 1 and snippet divides num_frames.
    """
    if frame_count < 1 or num_frames < 1 or snippet < 1 or num_frames % snippet:
        raise ValueError(
            f"frame_count={frame_count}, num_frames={num_frames}, snippet={snippet}: all must be >= 1"
            " and snippet must divide num_frames"
        )
    n_snippets = num_frames // snippet
    centres = (np.arange(n_snippets, dtype=np.float64) + 0.5) * frame_count / n_snippets
    starts = np.clip(np.floor(centres - snippet / 2).astype(np.int64), 0, max(0, frame_count - snippet))
    indices = (starts[:, None] + np.arange(snippet, dtype=np.int64)[None, :]).reshape(-1)
    # Sorted, because decoding streams forward: a video shorter than a snippet repeats its frames in order.
    return np.sort(np.minimum(indices, frame_count - 1))
