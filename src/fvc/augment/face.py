"""The face in a clip's frames, as face-needing augmentation ops (``selfblend``) receive it.

The contract between the face tracks (``fvc.clips``, ``fvc.video``) and the augmentation ops: a caller of
``fvc.augment.materialise`` passes ``face=``, a callable ``face(parent_indices) -> FaceRegion`` called with the
same sorted unique parent frame indices as ``read``, returning the face in those frames in the coordinates of
the frames ``read`` returns (a face-cropped read gives boxes relative to the crop). ``needs_face(recipe)`` tells
the caller whether a copy needs one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from fvc.augment.registry import op_spec
from fvc.errors import FvcError

if TYPE_CHECKING:
    from fvc.augment.recipe import Recipe

LANDMARKS = 5  # left eye, right eye, nose, mouth left, mouth right
TOLERANCE = 1e-3  # float rounding of a mapped box may overshoot [0, 1] by this much; it is clipped, not rejected


@dataclass(frozen=True)
class FaceRegion:
    """The face in each of N frames, in coordinates relative to the frame as read (fractions of its width/height)."""

    boxes: np.ndarray  # (N, 4) float32: x0, y0, x1, y1 in [0, 1]
    # (N, 5, 2) float32 (x, y) fractions: left eye, right eye, nose, mouth left, mouth right; or None
    landmarks: np.ndarray | None

    def __post_init__(self) -> None:
        boxes = np.asarray(self.boxes, dtype=np.float32)
        if boxes.ndim != 2 or boxes.shape[1] != 4 or not np.isfinite(boxes).all():
            raise FvcError(f"face region: boxes must be a finite (N, 4) array, got shape {boxes.shape}")
        outside = len(boxes) and (boxes.min() < -TOLERANCE or boxes.max() > 1 + TOLERANCE)
        if outside or (boxes[:, 2] < boxes[:, 0]).any() or (boxes[:, 3] < boxes[:, 1]).any():
            raise FvcError("face region: boxes must be x0 <= x1, y0 <= y1, all in [0, 1] (fractions of the frame)")
        object.__setattr__(self, "boxes", np.clip(boxes, 0.0, 1.0))
        if self.landmarks is not None:
            marks = np.asarray(self.landmarks, dtype=np.float32)
            if marks.shape != (len(boxes), LANDMARKS, 2) or not np.isfinite(marks).all():
                raise FvcError(
                    f"face region: landmarks must be a finite ({len(boxes)}, {LANDMARKS}, 2) array or None,"
                    f" got shape {marks.shape}"
                )
            object.__setattr__(self, "landmarks", marks)

    def __len__(self) -> int:
        return len(self.boxes)

    def take(self, positions: np.ndarray) -> FaceRegion:
        """The region of the frames at ``positions`` (indices into this region's N frames, repeats allowed)."""
        positions = np.asarray(positions, dtype=np.int64)
        marks = None if self.landmarks is None else self.landmarks[positions]
        return FaceRegion(boxes=self.boxes[positions], landmarks=marks)


def needs_face(recipe: Recipe) -> bool:
    """Whether materialising ``recipe`` needs the face in each frame (it holds a face-needing op: ``selfblend``)."""
    return any(op_spec(op.name).needs_face for op in recipe.ops)
