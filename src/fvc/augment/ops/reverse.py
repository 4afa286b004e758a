"""reverse: the video played backwards (copy frame j is parent frame frame_count - 1 - j)."""

from __future__ import annotations

import numpy as np

from fvc.augment.registry import no_params, register


@register("reverse", kind="temporal", order=30, ranges={}, draw=no_params)
def reverse(frame_count: int, params: dict) -> np.ndarray:
    return np.arange(frame_count, dtype=np.int64)[::-1].copy()
