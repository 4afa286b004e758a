"""Spatial ops: each changes the pixels it should, keeps shape and dtype, and works at any frame size."""

from __future__ import annotations

import numpy as np
import pytest

from fvc.augment import SPATIAL_OPS, Op, Recipe, apply_spatial, draw_recipe
from tests.augment.helpers import SPATIAL_EXAMPLES, random_clip, recipe_of, smooth_clip


def mean_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def halve(frames: np.ndarray) -> np.ndarray:
    """2x2 box downscaling of (T, H, W, 3) frames with even sides."""
    t, h, w, c = frames.shape
    return frames.reshape(t, h // 2, 2, w // 2, 2, c).astype(np.float64).mean(axis=(2, 4))


@pytest.mark.parametrize("name", SPATIAL_OPS)
def test_every_op_keeps_shape_and_dtype_and_changes_pixels(name: str) -> None:
    clip = random_clip(2, 64, 96)  # a blur of 0.006 x 64 = 0.4 px must show
    out = apply_spatial(clip, recipe_of(name))
    assert out.shape == clip.shape and out.dtype == np.uint8
    assert not np.array_equal(out, clip)


@pytest.mark.parametrize("name", SPATIAL_OPS)
@pytest.mark.parametrize(("height", "width"), [(1, 1), (2, 2), (16, 640), (640, 16), (1, 37)])
def test_every_op_works_on_tiny_and_extreme_frames(name: str, height: int, width: int) -> None:
    clip = random_clip(2, height, width)
    out = apply_spatial(clip, recipe_of(name))
    assert out.shape == clip.shape and out.dtype == np.uint8


def test_a_whole_pool_recipe_works_on_a_single_pixel_clip() -> None:
    recipe = draw_recipe(0, "v", 0, spatial_ops=len(SPATIAL_OPS), temporal_prob=0.0)
    assert apply_spatial(random_clip(1, 1, 1), recipe).shape == (1, 1, 1, 3)


def test_input_frames_are_not_modified() -> None:
    clip = smooth_clip(2, 8, 8)
    before = clip.copy()
    apply_spatial(clip, draw_recipe(0, "v", 0, spatial_ops=len(SPATIAL_OPS), temporal_prob=0.0))
    assert np.array_equal(clip, before)


def test_read_only_and_mirrored_views_are_accepted() -> None:
    clip = random_clip(2, 6, 8)
    clip.flags.writeable = False
    assert np.array_equal(apply_spatial(clip[:, :, ::-1], recipe_of("hflip")), clip)
    assert apply_spatial(clip, recipe_of("rotation")).shape == clip.shape


def test_recipe_without_spatial_ops_returns_an_equal_copy() -> None:
    clip = smooth_clip(2, 8, 8)
    out = apply_spatial(clip, recipe_of("reverse"))
    assert np.array_equal(out, clip) and out is not clip


def test_hflip_mirrors_the_width_axis() -> None:
    clip = random_clip(2, 5, 7)
    assert np.array_equal(apply_spatial(clip, recipe_of("hflip")), clip[:, :, ::-1])


def test_brightness_above_one_raises_the_mean() -> None:
    clip = smooth_clip(2, 16, 16)
    assert apply_spatial(clip, recipe_of("brightness", factor=1.2)).mean() > clip.mean() + 10
    assert apply_spatial(clip, recipe_of("brightness", factor=0.8)).mean() < clip.mean() - 10


def test_contrast_above_one_spreads_the_intensities() -> None:
    clip = smooth_clip(2, 16, 16)
    assert apply_spatial(clip, recipe_of("contrast", factor=1.2)).std() > clip.std()
    assert apply_spatial(clip, recipe_of("contrast", factor=0.8)).std() < clip.std()


def test_saturation_below_one_moves_channels_towards_grey() -> None:
    clip = smooth_clip(2, 16, 16)
    out = apply_spatial(clip, recipe_of("saturation", factor=0.8))
    assert out.astype(np.float64).std(axis=-1).mean() < clip.astype(np.float64).std(axis=-1).mean()


def test_rotation_by_a_nonzero_angle_moves_pixels_and_zero_does_not() -> None:
    clip = smooth_clip(2, 32, 32)
    assert mean_abs_diff(apply_spatial(clip, recipe_of("rotation", angle_deg=5.0)), clip) > 3
    assert np.array_equal(apply_spatial(clip, recipe_of("rotation", angle_deg=0.0)), clip)


def test_affine_translation_shifts_by_a_fraction_of_the_side() -> None:
    clip = random_clip(1, 20, 40)
    params = {"translate_x": 0.1, "translate_y": 0.0, "scale": 1.0, "shear_deg": 0.0}
    out = apply_spatial(clip, recipe_of("affine", **params))
    assert np.array_equal(out[:, :, 4:], clip[:, :, :-4])  # 10 % of 40 pixels, to the right
    assert (out[:, :, :4] == 0).all()


def test_cutout_zeroes_one_box_of_the_given_fractions() -> None:
    clip = np.full((2, 20, 40, 3), 200, dtype=np.uint8)
    out = apply_spatial(clip, recipe_of("cutout", top=0.25, left=0.5, height=0.2, width=0.1))
    zero = (out == 0).all(axis=(0, -1))
    assert zero[5:9, 20:24].all() and zero.sum() == 4 * 4
    assert (out[~np.broadcast_to(zero[None, :, :, None], out.shape)] == 200).all()


def test_cutout_covers_at_least_one_pixel_of_a_tiny_frame() -> None:
    out = apply_spatial(
        np.full((1, 2, 2, 3), 9, dtype=np.uint8), recipe_of("cutout", top=0.9, left=0.9, height=0.05, width=0.05)
    )
    assert (out == 0).all(axis=-1).sum() == 1


def test_gaussian_blur_smooths_noise() -> None:
    clip = random_clip(2, 64, 64)
    out = apply_spatial(clip, recipe_of("gaussian_blur", sigma=0.02))
    assert (
        np.abs(np.diff(out.astype(np.int16), axis=2)).mean()
        < 0.5 * np.abs(np.diff(clip.astype(np.int16), axis=2)).mean()
    )


def test_gaussian_blur_is_the_identity_where_the_kernel_would_be_one_pixel() -> None:
    clip = random_clip(2, 2, 2)
    assert np.array_equal(apply_spatial(clip, recipe_of("gaussian_blur")), clip)


def test_gaussian_noise_has_the_requested_std_in_intensity_units() -> None:
    clip = np.full((4, 32, 32, 3), 128, dtype=np.uint8)
    residual = apply_spatial(clip, recipe_of("gaussian_noise", std=4.0, seed=1)).astype(np.float64) - 128
    assert abs(residual.mean()) < 0.2 and 3.7 < residual.std() < 4.3


def test_gaussian_noise_differs_between_frames_but_not_between_runs() -> None:
    clip = np.full((2, 16, 16, 3), 128, dtype=np.uint8)
    recipe = recipe_of("gaussian_noise", std=4.0, seed=1)
    out = apply_spatial(clip, recipe)
    assert np.array_equal(out, apply_spatial(clip, recipe))
    assert not np.array_equal(out[0], out[1])


def test_gaussian_noise_of_a_frame_depends_on_its_id_not_its_position() -> None:
    clip = smooth_clip(5, 8, 8)
    recipe = recipe_of("gaussian_noise", std=4.0, seed=1)
    whole = apply_spatial(clip, recipe)
    assert np.array_equal(apply_spatial(clip[[3]], recipe, frame_ids=np.array([3])), whole[[3]])
    # the same frame twice with the same id stays an exact duplicate (as a duplicated frame should)
    twice = apply_spatial(clip[[2, 2]], recipe, frame_ids=np.array([2, 2]))
    assert np.array_equal(twice[0], twice[1])


def test_elastic_moves_most_pixels_at_the_low_end_of_its_range() -> None:
    clip = random_clip(1, 64, 64)
    out = apply_spatial(clip, recipe_of("elastic", alpha=0.005, grid=8, seed=3))
    assert (out != clip).mean() > 0.5 and mean_abs_diff(out, clip) > 10


def test_elastic_is_the_same_warp_at_every_resolution() -> None:
    recipe = recipe_of("elastic", alpha=0.005, grid=8, seed=3)
    diffs = [
        mean_abs_diff(apply_spatial(clip, recipe), clip) for clip in (smooth_clip(1, s, s, cycles=6) for s in (64, 256))
    ]
    assert diffs[0] > 2 and diffs[1] == pytest.approx(diffs[0], rel=0.1)


def test_elastic_is_local_not_a_global_shift() -> None:
    clip = random_clip(1, 64, 64)
    out = apply_spatial(clip, recipe_of("elastic", alpha=0.015, grid=8, seed=3)).astype(np.int16)
    shifts = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)]
    best = min(np.abs(out[:, 4:-4, 4:-4] - np.roll(clip, s, axis=(1, 2))[:, 4:-4, 4:-4]).mean() for s in shifts)
    assert best > 10


@pytest.mark.parametrize("name", ["hflip", "rotation", "affine", "elastic", "cutout"])
def test_geometric_ops_commute_with_resizing(name: str) -> None:
    # Resolution-independent parameters: augmenting at 128 then halving ~ halving then augmenting at 64.
    small, large = smooth_clip(1, 64, 96), smooth_clip(1, 128, 192)
    recipe = recipe_of(name)
    at_small = apply_spatial(small, recipe).astype(np.float64)
    at_large_halved = halve(apply_spatial(large, recipe))
    assert np.abs(at_small - at_large_halved).mean() < 0.1 * mean_abs_diff(apply_spatial(small, recipe), small)


def test_same_recipe_gives_identical_output() -> None:
    recipe = draw_recipe(5, "v", 2, spatial_ops=len(SPATIAL_OPS), temporal_prob=0.0)
    clip = smooth_clip(3, 20, 30)
    assert np.array_equal(apply_spatial(clip, recipe), apply_spatial(clip, Recipe.from_json(recipe.to_json())))


def test_ops_apply_in_recipe_order() -> None:
    clip = smooth_clip(1, 20, 30)
    cut, flip = Op("cutout", SPATIAL_EXAMPLES["cutout"]), Op("hflip", {})
    assert not np.array_equal(
        apply_spatial(clip, Recipe(ops=(cut, flip))), apply_spatial(clip, Recipe(ops=(flip, cut)))
    )


@pytest.mark.parametrize(
    "frames",
    [
        np.zeros((2, 4, 4), np.uint8),
        np.zeros((2, 4, 4, 3), np.float32),
        np.zeros((2, 4, 4, 4), np.uint8),
        np.zeros((2, 0, 4, 3), np.uint8),
    ],
)
def test_frames_that_are_not_a_uint8_rgb_clip_are_refused(frames: np.ndarray) -> None:
    with pytest.raises(ValueError, match="expected a \\(T, H, W, 3\\) uint8 array"):
        apply_spatial(frames, recipe_of("hflip"))
