"""Handcrafted per-frame features (noise residual, 8x8 block DCT, sharpness, edges, colour), averaged over frames.

Two sets, each the mean over a video's sampled frames of a per-frame value:

- video features (``VIDEO_FEATURES``), meant for frames decoded at the video's own resolution, where codec
  artefacts (8x8 transform blocks, quantisation noise) still sit on their grid;
- clip features (``CLIP_FEATURES``, prefixed ``clip_``), meant for the scaled clips the models see.

Every feature but the colour ones is defined on luminance: BT.601 luma (0.299 R + 0.587 G + 0.114 B, the Y of
JPEG and MPEG codecs) as float32 in [0, 255]: float32 makes the features 1.7x faster than float64, and they are
statistics of uint8 pixels, far coarser than its precision. Filters extend the frame by repeating its edge pixels,
so a flat frame has no edges, gradient or noise anywhere. Every value is a finite Python float for any frame of at least
1x1 pixel: a frame too small for a feature (no whole 8x8 block, no block boundary) gets the feature's neutral
value, named in ``FEATURE_DOCS``.

Shapes: a frame is (H, W, 3) uint8 RGB; a video or clip is (T, H, W, 3) uint8 with T >= 1.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import ndimage
from scipy.fft import dctn
from skimage.feature import canny

LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)
BLOCK = 8  # the transform block of JPEG, MPEG-2/4 and H.264; H.264/5 macroblocks and CTUs are multiples of it
GREY_LEVELS = 256
# Added to both means of the block_boundary ratio: one grey level, the uint8 quantisation step. A flat frame then
# gives 1 (no evidence of blocks) instead of 0/0, and blocks flat inside give at most 256 instead of any size.
JUMP_EPS = 1.0
# skimage's defaults, fixed here so that an upgrade cannot move the feature: sigma in pixels, hysteresis
# thresholds on the gradient of luma scaled to [0, 1].
CANNY_SIGMA = 1.0
CANNY_LOW = 0.1
CANNY_HIGH = 0.2

VIDEO_FEATURE_DOCS = {
    "noise_energy": "mean squared noise residual (luma minus its 3x3 median), grey levels^2",
    "noise_mean": "mean of the noise residual (luma minus its 3x3 median)",
    "noise_std": "standard deviation of the noise residual",
    "dct_dc_mean": "mean DC coefficient of the orthonormal 8x8 block DCT of luma (8 x block mean); 0 if no whole block",
    "dct_dc_std": "standard deviation of the 8x8 blocks' DC coefficients; 0 if no whole block",
    "dct_ac_mean": "mean |AC coefficient| of the 8x8 block DCT of luma; 0 if no whole block",
    "dct_ac_std": "standard deviation of the |AC coefficients| of the 8x8 block DCT; 0 if no whole block",
    "dct_ac_energy": "mean squared AC coefficient of the 8x8 block DCT (high-frequency energy); 0 if no whole block",
    "laplacian_var": "variance of the luma Laplacian (5-point stencil): sharpness, low when blurred",
    "sobel_mean": "mean Sobel gradient magnitude of luma (unnormalised 3x3 kernels: a unit step gives 4)",
    "sobel_std": "standard deviation of the Sobel gradient magnitude of luma",
    "block_boundary": "(mean |luma step| across the 8-pixel grid + 1) / (mean |step| inside blocks + 1): ~1 natural,"
    " >1 blocky; 1 if no side exceeds 8 pixels",
}
CLIP_FEATURE_DOCS = {
    "clip_edge_density": "share of pixels on Canny edges of luma in [0, 1] (sigma 1, hysteresis 0.1 / 0.2)",
    "clip_texture_uniformity": "sum of squared frequencies of the 256-level luma histogram: 1 flat, 1/256 at least",
    "clip_color_std_r": "standard deviation of the red channel, in [0, 255] units",
    "clip_color_std_g": "standard deviation of the green channel, in [0, 255] units",
    "clip_color_std_b": "standard deviation of the blue channel, in [0, 255] units",
    "clip_blockiness": "mean |luma step| across the 8-pixel grid minus inside blocks, in grey levels: ~0 natural,"
    " >0 blocky; 0 if no side exceeds 8 pixels",
}
VIDEO_FEATURES = tuple(VIDEO_FEATURE_DOCS)
CLIP_FEATURES = tuple(CLIP_FEATURE_DOCS)
DCT_FEATURES = ("dct_dc_mean", "dct_dc_std", "dct_ac_mean", "dct_ac_std", "dct_ac_energy")


def luminance(frame: np.ndarray) -> np.ndarray:
    """BT.601 luma of an RGB frame (H, W, 3) uint8, as (H, W) float32 in [0, 255]."""
    return frame @ LUMA_WEIGHTS


def median_filter_3x3(image: np.ndarray) -> np.ndarray:
    """3x3 median of a 2-D float image, edges repeated; equal to ``scipy.ndimage.median_filter(image, 3)``.

    Several times faster than scipy's generic rank filter (1-2 ms against 7 on 256x256): sort each vertical
    triple once, then the median of a 3x3 window is the median of (the largest of its three column minima, the
    median of the column medians, the smallest of the column maxima), an exact identity for 3x3 windows.
    """
    padded = np.pad(image, 1, mode="edge")
    top, mid, bottom = padded[:-2], padded[1:-1], padded[2:]  # each (H, W + 2): the rows of every vertical triple
    low, high = np.minimum(top, mid), np.maximum(top, mid)
    low, med, high = np.minimum(low, bottom), _median3(low, high, bottom), np.maximum(high, bottom)
    left, centre, right = slice(None, -2), slice(1, -1), slice(2, None)
    max_low = np.maximum(np.maximum(low[:, left], low[:, centre]), low[:, right])
    med_med = _median3(med[:, left], med[:, centre], med[:, right])
    min_high = np.minimum(np.minimum(high[:, left], high[:, centre]), high[:, right])
    return _median3(max_low, med_med, min_high)


def _median3(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    return np.maximum(np.minimum(a, b), np.minimum(np.maximum(a, b), c))


def sobel_magnitude(image: np.ndarray) -> np.ndarray:
    """Sobel gradient magnitude of a 2-D float image, edges repeated (unnormalised kernels: a unit step gives 4).

    Equal to ``np.hypot(ndimage.sobel(image, 0), ndimage.sobel(image, 1))`` with ``mode="nearest"``; as two
    separable passes on slices of one padded array it is several times faster.
    """
    padded = np.pad(image, 1, mode="edge")
    across = padded[:, 2:] - padded[:, :-2]  # (H + 2, W): horizontal central differences
    down = padded[2:, :] - padded[:-2, :]  # (H, W + 2): vertical central differences
    gx = across[:-2] + 2 * across[1:-1] + across[2:]
    gy = down[:, :-2] + 2 * down[:, 1:-1] + down[:, 2:]
    return np.sqrt(gx * gx + gy * gy)


def frame_video_features(frame: np.ndarray) -> dict[str, float]:
    """The ``VIDEO_FEATURES`` of one RGB frame (H, W, 3) uint8, as finite floats, keys in that order.

    Raises ValueError if ``frame`` is not (H, W, 3) uint8 with H, W >= 1.
    """
    _check_frame(frame)
    gray = luminance(frame)
    # A median, not a blur: it keeps edges, so the residual is sensor, compression or synthesis noise rather
    # than scene structure, which the Laplacian and Sobel features already measure.
    residual = gray - median_filter_3x3(gray)
    gradient = sobel_magnitude(gray)
    jumps = _grid_jumps(gray)
    features = {
        "noise_energy": np.mean(residual**2),
        "noise_mean": residual.mean(),
        "noise_std": residual.std(),
        **_block_dct_features(gray),
        "laplacian_var": ndimage.laplace(gray, mode="nearest").var(),
        "sobel_mean": gradient.mean(),
        "sobel_std": gradient.std(),
        "block_boundary": 1.0 if jumps is None else (jumps[0] + JUMP_EPS) / (jumps[1] + JUMP_EPS),
    }
    return {name: float(features[name]) for name in VIDEO_FEATURES}


def frame_clip_features(frame: np.ndarray) -> dict[str, float]:
    """The ``CLIP_FEATURES`` of one RGB frame (H, W, 3) uint8, as finite floats, keys in that order.

    Raises ValueError if ``frame`` is not (H, W, 3) uint8 with H, W >= 1.
    """
    _check_frame(frame)
    gray = luminance(frame)
    edges = canny(gray / 255, sigma=CANNY_SIGMA, low_threshold=CANNY_LOW, high_threshold=CANNY_HIGH, mode="nearest")
    levels = np.bincount(np.rint(gray).astype(np.intp).ravel(), minlength=GREY_LEVELS)
    std_r, std_g, std_b = (
        _std_from_histogram(np.bincount(frame[..., c].ravel(), minlength=GREY_LEVELS)) for c in range(3)
    )
    jumps = _grid_jumps(gray)
    features = {
        "clip_edge_density": edges.mean(),
        # Histogram uniformity (a texture measure of Gonzalez & Woods), not GLCM energy: defined down to 1x1,
        # where a co-occurrence matrix has no pixel pairs, and a bincount rather than a 256x256 matrix.
        "clip_texture_uniformity": np.sum((levels / gray.size) ** 2),
        "clip_color_std_r": std_r,
        "clip_color_std_g": std_g,
        "clip_color_std_b": std_b,
        "clip_blockiness": 0.0 if jumps is None else jumps[0] - jumps[1],
    }
    return {name: float(features[name]) for name in CLIP_FEATURES}


def video_features(frames: np.ndarray) -> dict[str, float]:
    """Mean over frames of ``frame_video_features``: frames (T, H, W, 3) uint8 -> {VIDEO_FEATURES column: float}.

    Raises ValueError if ``frames`` is not (T, H, W, 3) uint8 with T, H, W >= 1.
    """
    return _mean_over_frames(frame_video_features, frames, VIDEO_FEATURES)


def clip_features(frames: np.ndarray) -> dict[str, float]:
    """Mean over frames of ``frame_clip_features``: frames (T, H, W, 3) uint8 -> {CLIP_FEATURES column: float}.

    Raises ValueError if ``frames`` is not (T, H, W, 3) uint8 with T, H, W >= 1.
    """
    return _mean_over_frames(frame_clip_features, frames, CLIP_FEATURES)


def _mean_over_frames(
    per_frame: Callable[[np.ndarray], dict[str, float]], frames: np.ndarray, columns: tuple[str, ...]
) -> dict[str, float]:
    frames = np.asarray(frames)
    if frames.ndim != 4 or len(frames) == 0:
        raise ValueError(f"expected frames of shape (T, H, W, 3) with T >= 1, got shape {frames.shape}")
    values = np.array([[row[c] for c in columns] for row in map(per_frame, frames)])  # (T, len(columns))
    return dict(zip(columns, map(float, values.mean(axis=0)), strict=True))


def _check_frame(frame: np.ndarray) -> None:
    if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3 or frame.shape[0] < 1 or frame.shape[1] < 1:
        raise ValueError(
            f"expected an RGB frame of shape (H, W, 3) uint8 with H, W >= 1, got shape {frame.shape} {frame.dtype}"
        )


def _block_dct_features(gray: np.ndarray) -> dict[str, float]:
    """``DCT_FEATURES`` over the whole 8x8 blocks of ``gray``; all 0.0 when not one block fits."""
    rows, cols = gray.shape[0] // BLOCK, gray.shape[1] // BLOCK
    if rows == 0 or cols == 0:
        return dict.fromkeys(DCT_FEATURES, 0.0)
    # Crop the remainder at the bottom and right: codecs align their blocks to the top-left corner.
    blocks = gray[: rows * BLOCK, : cols * BLOCK].reshape(rows, BLOCK, cols, BLOCK).swapaxes(1, 2)
    coefs = dctn(blocks, type=2, norm="ortho", axes=(2, 3)).reshape(rows * cols, BLOCK * BLOCK)
    dc, ac = coefs[:, 0], np.abs(coefs[:, 1:])
    return {
        "dct_dc_mean": dc.mean(),
        "dct_dc_std": dc.std(),
        "dct_ac_mean": ac.mean(),
        "dct_ac_std": ac.std(),
        "dct_ac_energy": np.mean(ac**2),
    }


def _grid_jumps(gray: np.ndarray) -> tuple[float, float] | None:
    """(mean |step| between neighbouring pixels across the 8-pixel block grid, mean |step| inside blocks).

    Horizontal and vertical steps are pooled. The step between pixels j and j + 1 crosses the grid when j + 1 is
    a multiple of 8. None when no side exceeds 8 pixels, so there is no boundary to compare.
    """
    across = inside = 0.0
    n_across = n_inside = 0
    for axis in (0, 1):
        if gray.shape[axis] < 2:
            continue
        per_step = np.abs(np.diff(gray, axis=axis)).sum(axis=1 - axis)  # summed along the other axis
        on_grid = np.arange(1, per_step.size + 1) % BLOCK == 0
        lines = gray.shape[1 - axis]
        across += per_step[on_grid].sum()
        inside += per_step[~on_grid].sum()
        n_across += int(on_grid.sum()) * lines
        n_inside += int((~on_grid).sum()) * lines
    if n_across == 0:
        return None
    return across / n_across, inside / n_inside  # a side over 8 pixels has steps 1..7 inside its first block


def _std_from_histogram(counts: np.ndarray) -> float:
    """Standard deviation of the values 0..len(counts)-1 given their counts: exact, and much faster than
    ``np.std`` over one channel of an interleaved RGB array."""
    values = np.arange(len(counts), dtype=np.float64)
    total = counts.sum()
    mean = counts @ values / total
    return float(np.sqrt(counts @ (values - mean) ** 2 / total))
