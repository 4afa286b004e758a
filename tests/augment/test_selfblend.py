"""selfblend: a self-blended pseudo-fake changes only the face box, through a mask that stays inside it, the same
pixels every time, from the box alone or from landmarks; and it refuses to run without a face."""

from __future__ import annotations

import numpy as np
import pytest

from fvc.augment import (
    FACE_OPS,
    SPATIAL_OPS,
    FaceRegion,
    Op,
    Recipe,
    apply_spatial,
    draw_pseudo_recipe,
    materialise,
    needs_face,
)
from fvc.augment.ops.selfblend import RANGES, blend_masks
from fvc.augment.registry import op_spec
from fvc.errors import FvcError
from tests.augment.helpers import random_clip, smooth_clip

T, H, W = 4, 72, 128
BOX = (0.3, 0.2, 0.7, 0.85)  # x0, y0, x1, y1: a 51x47-px face
MARKS = np.array([[0.42, 0.42], [0.58, 0.42], [0.50, 0.55], [0.44, 0.68], [0.56, 0.68]], dtype=np.float32)
# Strong, in-range parameters, so every effect shows.
STRONG = {
    "brightness": 0.06, "contrast": 1.1, "saturation": 1.15, "shift_r": 0.06, "shift_g": -0.06, "shift_b": 0.03,
    "scale": 1.05, "shift_x": 0.03, "shift_y": -0.03, "degrade": 1, "blur_sigma": 0.015, "resample": 0.5,
    "ellipse": 0.95, "hull_grow": 1.6, "deform": 0.06, "feather": 0.02, "ratio": 1.0, "jitter": 0.01, "seed": 11,
}  # fmt: skip


def face(frames: int = T, *, landmarks: bool = False, box=BOX) -> FaceRegion:
    boxes = np.tile(np.asarray(box, dtype=np.float32), (frames, 1))
    marks = np.tile(MARKS[None], (frames, 1, 1)) if landmarks else None
    return FaceRegion(boxes=boxes, landmarks=marks)


def blend(**params) -> Recipe:
    return Recipe(ops=(Op("selfblend", {**STRONG, **params}),))


def inside_box(height: int, width: int, box=BOX) -> np.ndarray:
    """(H, W) bool: pixels whose centre lies inside the box."""
    ys, xs = (np.arange(height) + 0.5) / height, (np.arange(width) + 0.5) / width
    return ((xs >= box[0]) & (xs <= box[2]))[None, :] & ((ys >= box[1]) & (ys <= box[3]))[:, None]


def test_selfblend_is_a_face_op_outside_the_plain_copies_pool_and_first_in_order() -> None:
    assert FACE_OPS == ("selfblend",) and "selfblend" not in SPATIAL_OPS
    assert op_spec("selfblend").needs_face and op_spec("selfblend").order < min(
        op_spec(name).order for name in SPATIAL_OPS
    )
    assert sorted(STRONG) == sorted(RANGES)
    assert all(lo <= STRONG[k] <= hi for k, (lo, hi) in RANGES.items() if k != "seed")


@pytest.mark.parametrize("landmarks", [False, True], ids=["box", "landmarks"])
def test_blending_changes_pixels_only_inside_the_face_box(landmarks: bool) -> None:
    clip = smooth_clip(T, H, W)
    out = apply_spatial(clip, blend(), face=face(landmarks=landmarks))
    changed = (out != clip).any(axis=(0, 3))
    assert changed.any()
    assert not (changed & ~inside_box(H, W)).any()


@pytest.mark.parametrize("landmarks", [False, True], ids=["box", "landmarks"])
@pytest.mark.parametrize("seed", range(6))
def test_the_mask_stays_inside_the_face_box_for_any_drawn_recipe(landmarks: bool, seed: int) -> None:
    params = draw_pseudo_recipe(seed, "v", 0, spatial_ops=0).ops[0].params
    box = (0.1 + 0.05 * seed, 0.05, 0.5 + 0.05 * seed, 0.9)  # boxes at several places, edges off the pixel grid
    region = face(landmarks=landmarks, box=box)
    if landmarks:
        region = FaceRegion(region.boxes, np.tile((MARKS - 0.5) * 0.5 + np.array([0.3 + 0.05 * seed, 0.5]), (T, 1, 1)))
    masks = blend_masks(region, H, W, params, np.arange(T))
    assert masks.max() > 0.9 * params["ratio"]  # a face is blended, at the drawn ratio...
    assert (masks[:, ~inside_box(H, W, box)] == 0).all()  # ...and nothing outside its box
    assert masks.max() <= params["ratio"] + 1e-6


def test_landmarks_shape_the_mask() -> None:
    ids = np.arange(T)
    by_box = blend_masks(face(), H, W, STRONG, ids)
    by_marks = blend_masks(face(landmarks=True), H, W, STRONG, ids)
    assert not np.allclose(by_box, by_marks)
    # The 5 landmarks' hull, grown, covers the eyes-to-mouth area: its mask is centred there.
    ys, xs = np.nonzero(by_marks[0] > 0.5)
    assert abs(xs.mean() / W - 0.5) < 0.05 and 0.45 < ys.mean() / H < 0.65


def test_collinear_landmarks_fall_back_to_the_box_ellipse() -> None:
    flat = np.tile(np.array([[0.4, 0.5], [0.45, 0.5], [0.5, 0.5], [0.55, 0.5], [0.6, 0.5]], np.float32), (T, 1, 1))
    region = FaceRegion(face().boxes, flat)
    ids = np.arange(T)
    assert np.array_equal(blend_masks(region, H, W, STRONG, ids), blend_masks(face(), H, W, STRONG, ids))


def test_the_same_recipe_gives_the_same_pixels_and_frames_jitter_by_id() -> None:
    clip = np.repeat(smooth_clip(1, H, W), T, axis=0)  # four identical frames
    recipe = blend()
    first = apply_spatial(clip, recipe, face=face(), frame_ids=np.array([0, 1, 2, 3]))
    assert np.array_equal(first, apply_spatial(clip, recipe, face=face(), frame_ids=np.array([0, 1, 2, 3])))
    assert not np.array_equal(first[0], first[1])  # per-frame jitter, keyed by the frame id
    again = apply_spatial(clip[:1], recipe, face=face(1), frame_ids=np.array([2]))
    assert np.array_equal(again[0], first[2])  # a frame's result depends on its id, not its position
    still = apply_spatial(clip, blend(jitter=0.0), face=face())
    assert all(np.array_equal(still[0], still[t]) for t in range(T))  # no jitter: the same transform


def test_each_source_change_shows_in_the_face() -> None:
    clip = random_clip(1, H, W)
    base = {"brightness": 0.0, "contrast": 1.0, "saturation": 1.0, "shift_r": 0.0, "shift_g": 0.0, "shift_b": 0.0}
    base |= {"scale": 1.0, "shift_x": 0.0, "shift_y": 0.0, "degrade": 0, "jitter": 0.0}
    identity = apply_spatial(clip, blend(**base), face=face(1))
    assert np.abs(identity.astype(int) - clip).max() <= 1  # an untransformed source blends back to the frame
    for change in ({"brightness": 0.06}, {"shift_b": -0.06}, {"scale": 1.05}, {"shift_x": 0.03}, {"degrade": 1},
                   {"degrade": 2}, {"saturation": 0.85}, {"contrast": 1.1}):  # fmt: skip
        out = apply_spatial(clip, blend(**{**base, **change}), face=face(1))
        assert np.abs(out.astype(int) - identity).mean() > 0.5, change


def test_a_recipe_with_selfblend_needs_a_face() -> None:
    recipe = draw_pseudo_recipe(0, "v", 0, spatial_ops=1, ops=("hflip", "brightness"))
    assert needs_face(recipe) and not needs_face(Recipe(ops=recipe.ops[1:]))
    clip = smooth_clip(2, H, W)
    with pytest.raises(FvcError, match="'selfblend' needs the face"):
        apply_spatial(clip, recipe)
    with pytest.raises(FvcError, match="'selfblend' needs the face"):
        materialise(lambda i: clip[i], recipe, np.array([0, 1]), 2)
    with pytest.raises(FvcError, match="face region has 3 frames; the clip has 2"):
        apply_spatial(clip, recipe, face=face(3))


def test_materialise_asks_the_face_for_the_parent_frames_it_reads() -> None:
    parent = smooth_clip(6, H, W)
    asked = []

    def track(indices: np.ndarray) -> FaceRegion:
        asked.append(indices.tolist())
        return face(len(indices))

    recipe = draw_pseudo_recipe(0, "v", 0, spatial_ops=0)
    out = materialise(lambda i: parent[i], recipe, np.array([4, 1, 4]), 6, face=track)
    assert asked == [[1, 4]]
    expected = apply_spatial(parent[[4, 1, 4]], recipe, face=face(3), frame_ids=np.array([4, 1, 4]))
    assert np.array_equal(out, expected)
    materialise(lambda i: parent[i], Recipe(ops=()), np.array([0]), 6, face=track)
    assert asked == [[1, 4]]  # a recipe without a face op never computes the face


def test_a_face_box_too_small_to_blend_names_the_frame() -> None:
    with pytest.raises(FvcError, match="face box of frame 0 is 2.6x"):
        apply_spatial(smooth_clip(1, H, W), blend(), face=face(1, box=(0.5, 0.5, 0.52, 0.6)))


@pytest.mark.parametrize(
    ("boxes", "landmarks", "message"),
    [
        (np.zeros((2, 3)), None, "boxes must be a finite"),
        (np.array([[0.5, 0.1, 0.4, 0.9]]), None, "x0 <= x1"),
        (np.array([[0.1, 0.1, 1.2, 0.9]]), None, "in \\[0, 1\\]"),
        (np.array([[0.1, 0.1, 0.5, 0.9]]), np.zeros((1, 4, 2)), "landmarks must be"),
    ],
)
def test_a_malformed_face_region_is_refused(boxes, landmarks, message: str) -> None:
    with pytest.raises(FvcError, match=message):
        FaceRegion(boxes=boxes, landmarks=landmarks)


def test_a_pseudo_fake_with_more_ops_blends_first_then_applies_them() -> None:
    clip = smooth_clip(T, H, W)
    recipe = draw_pseudo_recipe(3, "v", 0, spatial_ops=1, ops=("hflip",))
    assert [op.name for op in recipe.ops] == ["selfblend", "hflip"]
    out = apply_spatial(clip, recipe, face=face())
    blended = apply_spatial(clip, Recipe(ops=recipe.ops[:1]), face=face())
    assert np.array_equal(out, blended[:, :, ::-1])  # the face was blended where it was, then the frame flipped
