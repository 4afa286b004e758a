"""Robustness ops (h264 re-encode, jpeg, resize_down_up): what an upload path does to a video, as augmentations."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fvc.augment import SPATIAL_OPS, Op, Recipe, apply_spatial, materialise, registry, temporal_index_map
from fvc.augment.ops.h264 import reencode, rgb_to_yuv420p, yuv420p_to_rgb
from fvc.synth import encode
from tests.augment.helpers import random_clip, recipe_of, smooth_clip

ROBUSTNESS_OPS = ("resize_down_up", "h264", "jpeg")
REPO = Path(__file__).resolve().parents[2]


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float(10 * np.log10(255**2 / mse)) if mse else float("inf")


def textured_clip(frames: int = 4, height: int = 72, width: int = 128) -> np.ndarray:
    """A smooth colourful scene with camera-like grain (std 6): fine detail that every op here removes some of."""
    grain = np.random.default_rng(1).normal(0.0, 6.0, size=(frames, height, width, 1))
    return np.clip(smooth_clip(frames, height, width, cycles=6) + grain, 0, 255).round().astype(np.uint8)


def range_ends(name: str) -> list[dict]:
    """The op's parameters at the low and at the high end of every range."""
    ranges = registry.op_spec(name).ranges
    return [{key: bounds[end] for key, bounds in ranges.items()} for end in (0, 1)]


@pytest.mark.parametrize("name", ROBUSTNESS_OPS)
@pytest.mark.parametrize(("frames", "height", "width"), [(1, 1, 1), (3, 2, 2), (3, 1, 37), (3, 33, 17), (1, 17, 33)])
def test_range_ends_keep_shape_and_dtype_on_tiny_and_odd_clips(name: str, frames: int, height: int, width: int) -> None:
    clip = random_clip(frames, height, width)
    for params in range_ends(name):
        out = apply_spatial(clip, recipe_of(name, **params))
        assert out.shape == clip.shape and out.dtype == np.uint8, params


@pytest.mark.parametrize("name", ROBUSTNESS_OPS)
def test_drawn_parameters_are_plain_json_numbers_that_round_trip(name: str) -> None:
    spec = registry.op_spec(name)
    for seed in range(20):
        recipe = Recipe(ops=(Op(name, spec.draw(np.random.default_rng(seed))),))
        assert Recipe.from_json(recipe.to_json()) == recipe
    if name == "jpeg":
        assert {type(spec.draw(np.random.default_rng(s))["quality"]) for s in range(20)} == {int}
    if name == "resize_down_up":
        assert {spec.draw(np.random.default_rng(s))["interpolation"] for s in range(20)} == {0, 1}


def test_h264_lower_quality_gives_a_larger_error() -> None:
    clip = textured_clip()
    scores = [psnr(reencode(clip, crf), clip) for crf in (18.0, 25.0, 32.0, 38.0)]
    assert scores == sorted(scores, reverse=True) and scores[0] - scores[-1] > 3, scores
    smooth = smooth_clip(3, 72, 128, cycles=2)
    assert psnr(reencode(smooth, 18.0), smooth) > 35  # CRF 18 is a mild round trip, not a different picture


def test_jpeg_lower_quality_gives_a_larger_error() -> None:
    clip = textured_clip()
    scores = [psnr(apply_spatial(clip, recipe_of("jpeg", quality=q)), clip) for q in (95, 75, 50, 30)]
    assert scores == sorted(scores, reverse=True) and scores[0] - scores[-1] > 3, scores


def test_resize_down_up_smaller_factor_gives_a_larger_error() -> None:
    clip = textured_clip()
    for interpolation in (0, 1):
        scores = [
            psnr(apply_spatial(clip, recipe_of("resize_down_up", factor=f, interpolation=interpolation)), clip)
            for f in (0.9, 0.7, 0.5, 0.4)
        ]
        assert scores == sorted(scores, reverse=True) and scores[0] - scores[-1] > 2, scores


def test_resize_down_up_interpolations_differ() -> None:
    clip = textured_clip()
    bilinear, bicubic = (apply_spatial(clip, recipe_of("resize_down_up", factor=0.5, interpolation=i)) for i in (0, 1))
    assert not np.array_equal(bilinear, bicubic)


def test_resize_down_up_leaves_a_frame_too_small_to_shrink_unchanged() -> None:
    clip = random_clip(2, 2, 2)  # 2 x 0.9 rounds back to 2
    assert np.array_equal(apply_spatial(clip, recipe_of("resize_down_up", factor=0.9, interpolation=1)), clip)


def test_h264_keeps_flat_colours_and_odd_sized_frames_in_place() -> None:
    # A wrong YUV matrix would shift the colour; a wrong crop of the padded frame would shift the picture.
    flat = np.broadcast_to(np.array([200, 100, 50], dtype=np.uint8), (3, 33, 17, 3)).copy()
    assert np.abs(reencode(flat, 18.0).astype(np.int16) - flat).max() <= 2
    for odd in (smooth_clip(3, 71, 45, cycles=2), smooth_clip(3, 45, 71, cycles=2)):
        out = reencode(odd, 18.0)
        aligned = psnr(out, odd)
        assert aligned > 32 and aligned > max(psnr(out[:, 1:], odd[:, :-1]), psnr(out[:, :, 1:], odd[:, :, :-1])) + 3


def test_rgb_to_yuv_is_the_corpus_writers_conversion() -> None:
    clip = random_clip(3, 6, 10)
    assert np.array_equal(rgb_to_yuv420p(clip), np.stack([encode.rgb_to_yuv420p(f.transpose(2, 0, 1)) for f in clip]))


def test_yuv_round_trip_without_the_codec_is_near_lossless() -> None:
    grey = np.repeat(smooth_clip(1, 16, 24)[:, :, :, :1], 3, axis=-1)
    assert np.abs(yuv420p_to_rgb(rgb_to_yuv420p(grey)[0], 16, 24).astype(np.int16) - grey[0]).max() <= 1
    colour = smooth_clip(1, 64, 96, cycles=1.5)
    assert psnr(yuv420p_to_rgb(rgb_to_yuv420p(colour)[0], 64, 96), colour[0]) > 40


def test_h264_same_recipe_gives_the_same_pixels_in_this_and_a_fresh_process() -> None:
    # x264 with one thread and its assembly off is deterministic; a fresh process checks the first encode too.
    script = (
        "import hashlib, numpy as np\n"
        "from fvc.augment.ops.h264 import reencode\n"
        "clip = np.random.default_rng(3).integers(0, 256, size=(6, 36, 50, 3), dtype=np.uint8)\n"
        "print(hashlib.sha256(reencode(clip, 27.5).tobytes()).hexdigest())\n"
    )
    fresh = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True)
    clip = np.random.default_rng(3).integers(0, 256, size=(6, 36, 50, 3), dtype=np.uint8)
    here = [hashlib.sha256(reencode(clip, 27.5).tobytes()).hexdigest() for _ in range(2)]
    assert here[0] == here[1] == fresh.stdout.strip()


def test_h264_changes_the_pixels_and_every_frame_of_the_clip() -> None:
    clip = textured_clip()
    out = reencode(clip, 30.0)
    assert all(not np.array_equal(o, c) for o, c in zip(out, clip, strict=True))


def test_jpeg_compresses_each_frame_on_its_own() -> None:
    clip = textured_clip()
    recipe = recipe_of("jpeg", quality=40)
    assert np.array_equal(apply_spatial(clip[[2]], recipe), apply_spatial(clip, recipe)[[2]])


def test_robustness_ops_apply_after_every_other_spatial_op() -> None:
    assert SPATIAL_OPS[-3:] == ROBUSTNESS_OPS


def test_a_recipe_with_them_round_trips_through_json_and_materialises_identically() -> None:
    parent = textured_clip(frames=10, height=33, width=47)
    recipe = Recipe(
        ops=(
            Op("frame_drop", {"fraction": 0.15, "seed": 4}),
            Op("brightness", {"factor": 1.1}),
            Op("resize_down_up", {"factor": 0.6, "interpolation": 0}),
            Op("h264", {"crf": 30.5}),
            Op("jpeg", {"quality": 60}),
        )
    )
    stored = Recipe.from_json(recipe.to_json())
    assert stored == recipe
    copy_indices = np.array([0, 2, 3, 5, 6])
    out = materialise(lambda i: parent[i], stored, copy_indices, len(parent))
    assert out.shape == (5, 33, 47, 3) and out.dtype == np.uint8
    assert np.array_equal(out, materialise(lambda i: parent[i], recipe, copy_indices, len(parent)))
    shown = temporal_index_map(recipe, len(parent))[copy_indices]  # the parent frames the copy shows
    assert np.array_equal(out, apply_spatial(parent[shown], recipe, frame_ids=shown))
    assert not np.array_equal(out, apply_spatial(parent[shown], recipe_of("brightness", factor=1.1)))
