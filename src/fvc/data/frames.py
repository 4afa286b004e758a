"""Sampled frames of a video or of an augmented copy, decoded from the (parent) video file.

Scale and features both read "the T frames of video v at size H x W"; for a copy (a row with a recipe) that is
the copy's frames, materialised from its parent's file, so both stages see the same copy.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from fvc.augment import Recipe, augmented_frame_count, materialise
from fvc.video import read_frames, sample_frame_indices


def frame_count(task: dict) -> int:
    """The number of frames of the video (or copy) that ``task`` describes.

    ``task`` holds the probe row of the (parent) video and ``recipe`` (JSON, or None for an original).
    """
    if task.get("recipe"):
        return augmented_frame_count(Recipe.from_json(task["recipe"]), task["frame_count"])
    return task["frame_count"]


def sampled_frames(
    task: dict,
    root: str | os.PathLike,
    *,
    num_frames: int,
    snippet: int,
    height: int,
    width: int,
    interpolation: str,
) -> np.ndarray:
    """``num_frames`` frames (as snippets of ``snippet``, see sample_frame_indices) of the video or copy of
    ``task``, resized to ``height`` x ``width``: (T, H, W, 3) uint8. Raises VideoError if nothing decodes.
    """
    indices = sample_frame_indices(frame_count(task), num_frames, snippet)
    path = Path(root) / task["path"]

    def read(wanted: np.ndarray) -> np.ndarray:
        frames, _ = read_frames(
            path, wanted, height=height, width=width, rotation=task["rotation"], interpolation=interpolation
        )
        return frames

    if task.get("recipe"):
        return materialise(read, Recipe.from_json(task["recipe"]), indices, task["frame_count"])
    return read(indices)
