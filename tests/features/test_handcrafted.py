"""Specification of fvc.features.handcrafted: per-frame pixel features and their means over a video or clip."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

from fvc.features import (
    CLIP_FEATURES,
    CODEC_FEATURES,
    FEATURE_DOCS,
    VIDEO_FEATURES,
    clip_features,
    frame_clip_features,
    frame_video_features,
    luminance,
    video_features,
)
from fvc.features.handcrafted import DCT_FEATURES, median_filter_3x3, sobel_magnitude

ALL_PIXEL_FEATURES = VIDEO_FEATURES + CLIP_FEATURES


def grey(levels: np.ndarray) -> np.ndarray:
    """An RGB uint8 frame whose three channels are ``levels`` (H, W), so its luma is ``levels``."""
    return np.repeat(np.asarray(levels, dtype=np.uint8)[..., None], 3, axis=-1)


def flat(h: int, w: int, level: int = 128) -> np.ndarray:
    return grey(np.full((h, w), level))


def blocky(h: int, w: int, seed: int = 0) -> np.ndarray:
    """8x8 constant blocks of random grey levels: the extreme of a coarsely quantised JPEG."""
    rng = np.random.default_rng(seed)
    levels = rng.integers(0, 256, size=(-(-h // 8), -(-w // 8)))
    return grey(np.kron(levels, np.ones((8, 8)))[:h, :w])


def ramp(h: int, w: int) -> np.ndarray:
    """A smooth diagonal gradient: every step between neighbours is one grey level."""
    return grey(np.add.outer(np.arange(h), np.arange(w)) % 256)


def noise(h: int, w: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(h, w, 3), dtype=np.uint8)


def all_features(frame: np.ndarray) -> dict[str, float]:
    return {**frame_video_features(frame), **frame_clip_features(frame)}


# --- columns -----------------------------------------------------------------------------------------------------


def test_columns_come_in_a_fixed_order_and_are_all_documented() -> None:
    assert tuple(frame_video_features(noise(16, 16))) == VIDEO_FEATURES
    assert tuple(frame_clip_features(noise(16, 16))) == CLIP_FEATURES
    assert tuple(FEATURE_DOCS) == VIDEO_FEATURES + CLIP_FEATURES + CODEC_FEATURES
    assert all(name.startswith("clip_") for name in CLIP_FEATURES)
    assert all(doc and "\n" not in doc for doc in FEATURE_DOCS.values())


# --- a flat frame ------------------------------------------------------------------------------------------------


def test_flat_frame_has_no_noise_gradient_or_high_frequency() -> None:
    f = frame_video_features(flat(16, 24, level=200))
    for name in ("noise_energy", "noise_mean", "noise_std", "laplacian_var", "sobel_mean", "sobel_std", "dct_dc_std"):
        assert f[name] == 0.0, name
    for name in ("dct_ac_mean", "dct_ac_std", "dct_ac_energy"):
        assert f[name] == pytest.approx(0.0, abs=1e-6), name
    assert f["block_boundary"] == 1.0


def test_flat_clip_has_no_edges_one_grey_level_no_colour_spread_and_no_blockiness() -> None:
    f = frame_clip_features(flat(16, 24, level=200))
    assert f == {
        "clip_edge_density": 0.0,
        "clip_texture_uniformity": 1.0,
        "clip_color_std_r": 0.0,
        "clip_color_std_g": 0.0,
        "clip_color_std_b": 0.0,
        "clip_blockiness": 0.0,
    }


# --- noise residual ----------------------------------------------------------------------------------------------


def test_noise_residual_is_an_isolated_spike_that_the_median_removes() -> None:
    levels = np.zeros((9, 9))
    levels[4, 4] = 90
    f = frame_video_features(grey(levels))
    assert f["noise_mean"] == pytest.approx(90 / 81, rel=1e-5)
    assert f["noise_energy"] == pytest.approx(90**2 / 81, rel=1e-5)


def test_adding_gaussian_noise_increases_noise_energy() -> None:
    smooth = ramp(64, 64)
    noisy = np.clip(smooth + np.random.default_rng(0).normal(0, 10, smooth.shape), 0, 255).astype(np.uint8)
    before, after = frame_video_features(smooth), frame_video_features(noisy)
    assert before["noise_energy"] < 1.0
    assert after["noise_energy"] > 20 * max(before["noise_energy"], 1.0)
    assert after["noise_std"] > before["noise_std"]


def test_median_filter_equals_scipys() -> None:
    rng = np.random.default_rng(0)
    for shape in [(1, 1), (2, 2), (1, 7), (7, 9), (3, 640), (33, 17)]:
        image = (rng.random(shape) * 255).astype(np.float32)
        np.testing.assert_array_equal(median_filter_3x3(image), ndimage.median_filter(image, size=3, mode="nearest"))


# --- 8x8 block DCT -----------------------------------------------------------------------------------------------


def test_dc_coefficient_is_eight_times_the_block_mean() -> None:
    f = frame_video_features(flat(16, 16, level=100))
    assert f["dct_dc_mean"] == pytest.approx(800.0, rel=1e-5)
    assert f["dct_dc_std"] == 0.0


def test_orthonormal_dct_keeps_each_blocks_energy() -> None:
    frame = noise(16, 24)
    f = frame_video_features(frame)
    dc_power = f["dct_dc_mean"] ** 2 + f["dct_dc_std"] ** 2  # mean DC^2 over blocks
    pixel_power = np.mean(luminance(frame).astype(np.float64) ** 2)
    assert dc_power + 63 * f["dct_ac_energy"] == pytest.approx(64 * pixel_power, rel=1e-4)


def test_dct_uses_the_whole_blocks_from_the_top_left_corner() -> None:
    frame = noise(13, 21)
    got = frame_video_features(frame)
    cropped = frame_video_features(np.ascontiguousarray(frame[:8, :16]))
    for name in DCT_FEATURES:
        assert got[name] == pytest.approx(cropped[name], rel=1e-5), name


@pytest.mark.parametrize("shape", [(1, 1), (7, 9), (9, 7), (3, 640)])
def test_frame_without_a_whole_block_has_zero_dct_features(shape: tuple[int, int]) -> None:
    f = frame_video_features(noise(*shape))
    assert [f[name] for name in DCT_FEATURES] == [0.0] * len(DCT_FEATURES)


# --- sharpness and gradient --------------------------------------------------------------------------------------


def test_laplacian_and_sobel_of_a_vertical_step() -> None:
    levels = np.zeros((16, 16))
    levels[:, 8:] = 100
    f = frame_video_features(grey(levels))
    # the step is seen by columns 7 and 8: Sobel 4 x 100 there, Laplacian +100 and -100
    assert f["sobel_mean"] == pytest.approx(2 * 16 * 400 / 256, rel=1e-5)
    assert f["laplacian_var"] == pytest.approx(2 * 16 * 100**2 / 256, rel=1e-5)


def test_sobel_magnitude_equals_scipys() -> None:
    image = (np.random.default_rng(0).random((11, 13)) * 255).astype(np.float32)
    expected = np.hypot(ndimage.sobel(image, axis=0, mode="nearest"), ndimage.sobel(image, axis=1, mode="nearest"))
    np.testing.assert_allclose(sobel_magnitude(image), expected, rtol=1e-5, atol=1e-3)


def test_blurring_lowers_laplacian_variance() -> None:
    frame = noise(32, 32)
    blurred = ndimage.uniform_filter(frame.astype(np.float32), size=(3, 3, 1)).round().astype(np.uint8)
    assert frame_video_features(blurred)["laplacian_var"] < frame_video_features(frame)["laplacian_var"] / 4


# --- block boundaries --------------------------------------------------------------------------------------------


def test_blocky_frame_has_high_block_boundary_and_blockiness() -> None:
    blocks, smooth, random = blocky(64, 64), ramp(64, 64), noise(64, 64)
    assert frame_video_features(blocks)["block_boundary"] > 20
    assert frame_clip_features(blocks)["clip_blockiness"] > 20
    for natural in (smooth, random):
        assert frame_video_features(natural)["block_boundary"] == pytest.approx(1.0, abs=0.1)
        assert frame_clip_features(natural)["clip_blockiness"] == pytest.approx(0.0, abs=2.0)


def test_block_boundary_is_at_most_256_thanks_to_the_one_grey_level_epsilon() -> None:
    levels = np.kron(np.indices((4, 4)).sum(axis=0) % 2 * 255, np.ones((8, 8)))  # 8x8 checkerboard of 0 and 255
    # every step across the grid is 255, every step inside a block 0: (255 + 1) / (0 + 1)
    assert frame_video_features(grey(levels))["block_boundary"] == pytest.approx(256, rel=1e-5)


@pytest.mark.parametrize("shape", [(1, 1), (2, 2), (8, 8), (5, 8)])
def test_frame_without_a_block_boundary_has_neutral_block_features(shape: tuple[int, int]) -> None:
    frame = noise(*shape)
    assert frame_video_features(frame)["block_boundary"] == 1.0
    assert frame_clip_features(frame)["clip_blockiness"] == 0.0


# --- clip features -----------------------------------------------------------------------------------------------


def test_edges_lie_on_a_step_and_nowhere_on_a_flat_frame() -> None:
    levels = np.zeros((32, 32))
    levels[:, 16:] = 200
    density = frame_clip_features(grey(levels))["clip_edge_density"]
    assert 0 < density <= 2 * 32 / 32**2  # one or two edge columns
    assert frame_clip_features(flat(32, 32))["clip_edge_density"] == 0.0


def test_texture_uniformity_is_the_sum_of_squared_level_frequencies() -> None:
    levels = np.zeros((4, 4))
    levels[:, 2:] = 255
    assert frame_clip_features(grey(levels))["clip_texture_uniformity"] == 0.5
    quarter = np.array([[0, 50], [100, 150]])
    assert frame_clip_features(grey(quarter))["clip_texture_uniformity"] == 0.25


def test_colour_std_is_per_channel() -> None:
    one_colour = np.broadcast_to(np.array([10, 20, 30], dtype=np.uint8), (6, 6, 3)).copy()
    f = frame_clip_features(one_colour)
    assert (f["clip_color_std_r"], f["clip_color_std_g"], f["clip_color_std_b"]) == (0.0, 0.0, 0.0)
    half_red = one_colour.copy()
    half_red[:3, :, 0] = 0
    half_red[3:, :, 0] = 255
    f = frame_clip_features(half_red)
    assert (f["clip_color_std_r"], f["clip_color_std_g"], f["clip_color_std_b"]) == (127.5, 0.0, 0.0)


# --- means over frames -------------------------------------------------------------------------------------------


def test_identical_frames_give_the_single_frame_features() -> None:
    frame = noise(20, 30)
    frames = np.stack([frame] * 5)
    assert video_features(frames) == pytest.approx(frame_video_features(frame), rel=1e-12)
    assert clip_features(frames) == pytest.approx(frame_clip_features(frame), rel=1e-12)


def test_video_features_are_the_mean_of_the_frames() -> None:
    a, b = noise(16, 16, seed=1), flat(16, 16)
    got = video_features(np.stack([a, b]))
    fa, fb = frame_video_features(a), frame_video_features(b)
    assert got == pytest.approx({k: (fa[k] + fb[k]) / 2 for k in VIDEO_FEATURES}, rel=1e-12)
    assert tuple(got) == VIDEO_FEATURES
    assert tuple(clip_features(np.stack([a, b]))) == CLIP_FEATURES


@pytest.mark.parametrize(
    "frame",
    [
        np.zeros((4, 4), np.uint8),
        np.zeros((4, 4, 4), np.uint8),
        np.zeros((4, 4, 3), np.float32),
        np.zeros((0, 4, 3), np.uint8),
    ],
    ids=["gray", "rgba", "float", "empty"],
)
def test_a_frame_that_is_not_rgb_uint8_is_rejected(frame: np.ndarray) -> None:
    with pytest.raises(ValueError, match=r"\(H, W, 3\) uint8"):
        frame_video_features(frame)
    with pytest.raises(ValueError, match=r"\(H, W, 3\) uint8"):
        frame_clip_features(frame)


@pytest.mark.parametrize("frames", [np.zeros((0, 4, 4, 3), np.uint8), np.zeros((4, 4, 3), np.uint8)])
def test_a_video_without_frames_is_rejected(frames: np.ndarray) -> None:
    with pytest.raises(ValueError, match="T >= 1"):
        video_features(frames)


# --- finite everywhere -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(1, 1), (2, 2), (7, 9), (3, 640), (640, 3), (1, 300)])
@pytest.mark.parametrize("make", [flat, lambda h, w: flat(h, w, 0), lambda h, w: flat(h, w, 255), noise, blocky])
def test_every_feature_is_a_finite_float_on_tiny_and_thin_frames(shape: tuple[int, int], make) -> None:
    features = all_features(make(*shape))
    assert tuple(features) == ALL_PIXEL_FEATURES
    assert all(type(v) is float and math.isfinite(v) for v in features.values()), features


@settings(max_examples=40, deadline=None)
@given(
    t=st.integers(1, 3),
    h=st.integers(1, 40),
    w=st.integers(1, 40),
    kind=st.sampled_from(["noise", "flat", "blocky", "binary"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_features_of_any_small_clip_are_finite_floats(t: int, h: int, w: int, kind: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    frames = np.stack(
        [
            {
                "noise": lambda: noise(h, w, seed=int(rng.integers(2**32))),
                "flat": lambda: flat(h, w, level=int(rng.integers(256))),
                "blocky": lambda: blocky(h, w, seed=int(rng.integers(2**32))),
                "binary": lambda: (rng.integers(0, 2, size=(h, w, 3)) * 255).astype(np.uint8),
            }[kind]()
            for _ in range(t)
        ]
    )
    features = {**video_features(frames), **clip_features(frames)}
    assert tuple(features) == ALL_PIXEL_FEATURES
    assert all(type(v) is float and math.isfinite(v) for v in features.values()), features
