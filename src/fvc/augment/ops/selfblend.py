"""selfblend: a self-blended pseudo-fake (Shiohara & Yamasaki, "Detecting Deepfakes with Self-Blended Images",
CVPR 2022). The face of each frame is blended with a slightly transformed copy of itself through a deformed,
feathered face mask, which leaves the traces a face swap leaves (a blending boundary, a colour and sharpness
mismatch, a small misalignment) without any identity change, from real frames alone.

Per frame, in the frame's pixels: the *source* is the frame resampled about the face box's centre (``scale``,
``shift_x``/``shift_y`` as fractions of the box), colour-jittered (brightness, contrast, saturation, an RGB
shift: signed ranges, so the face ends up brighter or darker, warmer or colder, than its surroundings) and
optionally degraded (``degrade``: 0 none, 1 Gaussian blur, 2 down-up resample). The *mask* is the landmarks'
convex hull grown about its centroid (``hull_grow``) when the face has landmarks, else an ellipse inside the box
(semi-axes ``ellipse`` x the half box), deformed by a smooth random field (``deform``, a fraction of the box),
feathered by a Gaussian (``feather``, a fraction of the box's shorter side), tapered to zero at the box's edge
by a rounded-square window and scaled by the blend ``ratio``: the mask is zero outside the face box, so only
face-box pixels change.
Output = mask x source + (1 - mask) x frame.

Everything is drawn once per clip; each frame adds a small jitter of the scale and shift (``jitter``, keyed by
the op's seed and the frame's id), as a face swap's alignment wobbles from frame to frame. The op runs first
(order 5), on the frames as read, where the face region's coordinates hold.

The pixel work is numpy/scipy.ndimage on each frame's face region: dozens of small calls per frame, which
torch's intra-op threads slow 10-50x on a busy 2-core machine (docs/decisions.md), while numpy runs them
single-threaded.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy import ndimage

from fvc.augment.face import FaceRegion
from fvc.augment.registry import SEED_RANGE, draw_seed, register, uniform
from fvc.errors import FvcError

# Ranges after SBI's source-target augmentation (RGB shift 20/255, brightness/contrast 0.1, scale 0.95-1.05,
# shift 3 %, blend ratio down to 0.25), kept mild: the pseudo-fake's traces must stay subtle, like a real swap's.
BRIGHTNESS = (-0.06, 0.06)  # added to [0, 1] intensities
CONTRAST = (0.9, 1.1)  # about the source's mean grey
SATURATION = (0.85, 1.15)
RGB_SHIFT = (-0.06, 0.06)  # per channel, ~15/255
SCALE = (0.95, 1.05)  # the source face resized about the box centre
SHIFT = (-0.03, 0.03)  # fraction of the box's width / height
DEGRADE = (0, 2)  # 0 none, 1 blur, 2 down-up resample of the source: a sharpness mismatch at the seam
BLUR_SIGMA = (0.005, 0.015)  # fraction of the box's shorter side (0.5-1.5 px for a 100-px face)
RESAMPLE = (0.5, 0.8)  # the down-up factor
ELLIPSE = (0.75, 0.95)  # semi-axes as a fraction of the half box
HULL_GROW = (1.2, 1.6)  # the 5-landmark hull (eyes to mouth corners) is the inner face: grown about its centroid
DEFORM = (0.02, 0.06)  # the mask's boundary displacement, a fraction of the box's side
FEATHER = (0.02, 0.06)  # Gaussian sigma of the mask's edge, a fraction of the box's shorter side
RATIO = (0.25, 1.0)  # the blend ratio, the mask's value inside the face: SBI's span (it draws 0.25..1, 1 half the time)
JITTER = (0.0, 0.01)  # per-frame scale and shift jitter (fraction of the box)
GRID = 4  # control points per side of the mask's deformation field: a smooth, face-sized wobble
TAPER = 0.15  # the mask fades to zero over the outer 15 % of the half box, so it is zero on and outside the box
MIN_BOX_PX = 4  # a smaller face box has no room for a mask with a feathered edge

RANGES = {
    "brightness": BRIGHTNESS,
    "contrast": CONTRAST,
    "saturation": SATURATION,
    "shift_r": RGB_SHIFT,
    "shift_g": RGB_SHIFT,
    "shift_b": RGB_SHIFT,
    "scale": SCALE,
    "shift_x": SHIFT,
    "shift_y": SHIFT,
    "degrade": DEGRADE,
    "blur_sigma": BLUR_SIGMA,
    "resample": RESAMPLE,
    "ellipse": ELLIPSE,
    "hull_grow": HULL_GROW,
    "deform": DEFORM,
    "feather": FEATHER,
    "ratio": RATIO,
    "jitter": JITTER,
    "seed": SEED_RANGE,
}


def draw(rng: np.random.Generator) -> dict:
    params = {}
    for name, bounds in RANGES.items():
        if name == "degrade":
            params[name] = int(rng.integers(DEGRADE[0], DEGRADE[1] + 1))
        elif name == "seed":
            params[name] = draw_seed(rng)
        else:
            params[name] = uniform(rng, bounds)
    return params


@register("selfblend", kind="spatial", order=5, ranges=RANGES, draw=draw, needs_face=True)
def selfblend(video: torch.Tensor, params: dict, ids: np.ndarray, face: FaceRegion) -> torch.Tensor:
    """(T, C, H, W) float32 in [0, 1] -> the self-blended clip; ``face`` holds the T frames' face boxes."""
    frames = video.permute(0, 2, 3, 1).numpy().copy()  # (T, H, W, C): a copy, the input stays as it was
    height, width = frames.shape[1:3]
    for t in range(len(frames)):
        box = _box_pixels(face.boxes[t], height, width, int(ids[t]))
        rows, cols = _region(box, height, width)
        landmarks = None if face.landmarks is None else face.landmarks[t] * np.array([width, height])
        mask = _mask(box, rows, cols, landmarks, params)[..., None]
        source = _source(frames[t], box, rows, cols, params, *_jitter(params, int(ids[t])))
        target = frames[t, rows[0] : rows[1], cols[0] : cols[1]]
        frames[t, rows[0] : rows[1], cols[0] : cols[1]] = mask * source + (1 - mask) * target
    return torch.from_numpy(frames).permute(0, 3, 1, 2)


def blend_masks(face: FaceRegion, height: int, width: int, params: dict, ids: np.ndarray) -> np.ndarray:
    """The op's blend mask of each frame, (T, H, W) float32 in [0, ratio]: what ``selfblend`` blends through."""
    masks = np.zeros((len(face), height, width), dtype=np.float32)
    for t in range(len(face)):
        box = _box_pixels(face.boxes[t], height, width, int(ids[t]))
        rows, cols = _region(box, height, width)
        landmarks = None if face.landmarks is None else face.landmarks[t] * np.array([width, height])
        masks[t, rows[0] : rows[1], cols[0] : cols[1]] = _mask(box, rows, cols, landmarks, params)
    return masks


def _box_pixels(box: np.ndarray, height: int, width: int, frame_id: int) -> tuple[float, float, float, float]:
    """The face box in continuous pixel coordinates (x0, y0, x1, y1). FvcError for a box too small to blend."""
    x0, y0, x1, y1 = (float(v) for v in box * np.array([width, height, width, height]))
    if min(x1 - x0, y1 - y0) < MIN_BOX_PX:
        raise FvcError(
            f"augment selfblend: the face box of frame {frame_id} is {x1 - x0:.1f}x{y1 - y0:.1f} px;"
            f" at least {MIN_BOX_PX}x{MIN_BOX_PX} px is needed to blend a face"
        )
    return x0, y0, x1, y1


def _region(box: tuple[float, float, float, float], height: int, width: int) -> tuple[tuple, tuple]:
    """The pixel rows and columns (start, stop) whose centres can lie inside the box."""
    x0, y0, x1, y1 = box
    cols = (max(0, math.floor(x0)), min(width, math.ceil(x1)))
    rows = (max(0, math.floor(y0)), min(height, math.ceil(y1)))
    return rows, cols


def _jitter(params: dict, frame_id: int) -> tuple[float, float, float]:
    """This frame's (shift x, shift y, scale) jitter, fractions of the box: keyed by the op's seed and the frame."""
    rng = np.random.Generator(np.random.PCG64([int(params["seed"]), frame_id]))
    return tuple(float(v) * params["jitter"] for v in rng.uniform(-1.0, 1.0, size=3))


def _pixel_centres(rows: tuple, cols: tuple) -> tuple[np.ndarray, np.ndarray]:
    """The region's pixel centres: xs (1, w) and ys (h, 1), in continuous pixel coordinates."""
    xs = np.arange(cols[0], cols[1], dtype=np.float32)[None, :] + 0.5
    ys = np.arange(rows[0], rows[1], dtype=np.float32)[:, None] + 0.5
    return xs, ys


def _box_coordinates(box, rows, cols) -> tuple[np.ndarray, np.ndarray]:
    """(u, v) of the region's pixel centres, (h, w) each: -1 at the box's left/top edge, 0 at its centre, 1 at
    its right/bottom edge."""
    x0, y0, x1, y1 = box
    xs, ys = _pixel_centres(rows, cols)
    u = (xs - (x0 + x1) / 2) / ((x1 - x0) / 2)
    v = (ys - (y0 + y1) / 2) / ((y1 - y0) / 2)
    return np.broadcast_to(u, (len(ys), u.shape[1])), np.broadcast_to(v, (len(ys), u.shape[1]))


def _mask(box, rows, cols, landmarks: np.ndarray | None, params: dict) -> np.ndarray:
    """(h, w) float32: the deformed, feathered, tapered face mask over the region, times the blend ratio."""
    u0, v0 = _box_coordinates(box, rows, cols)
    # The deformation is drawn on a fixed grid in box coordinates: the same wobble in every frame, at any size.
    rng = np.random.Generator(np.random.PCG64(int(params["seed"])))
    coarse = rng.uniform(-1.0, 1.0, size=(2, GRID, GRID))
    # A cubic spline over the grid, separable: field = Wv @ coarse @ Wu.T, W the spline's weights per pixel.
    weights_u, weights_v = _spline_weights(u0[0]), _spline_weights(v0[:, 0])
    u = u0 + 2 * params["deform"] * (weights_v @ coarse[0] @ weights_u.T)
    v = v0 + 2 * params["deform"] * (weights_v @ coarse[1] @ weights_u.T)
    hull = _hull(landmarks, box, params["hull_grow"]) if landmarks is not None else None
    inside = (u / params["ellipse"]) ** 2 + (v / params["ellipse"]) ** 2 <= 1 if hull is None else _inside(u, v, hull)
    x0, y0, x1, y1 = box
    sigma = params["feather"] * min(x1 - x0, y1 - y0)
    mask = ndimage.gaussian_filter(inside.astype(np.float32), sigma, mode="constant", truncate=3.0)
    # A rounded-square window on the undeformed box: |u|^4 + |v|^4 >= max(|u|, |v|)^4, so it is zero on and
    # beyond the box's edge, and its corners are round (a square taper would print the box's corners on a mask
    # that reaches them).
    taper = _taper((u0**4 + v0**4) ** 0.25, TAPER)
    return np.clip(mask * taper * params["ratio"], 0.0, 1.0).astype(np.float32)


def _spline_weights(coordinate: np.ndarray) -> np.ndarray:
    """(n, GRID): the cubic-spline weights of the GRID control points (spanning -1..1) at each coordinate."""
    at = (np.clip(coordinate, -1.0, 1.0) + 1) * (GRID - 1) / 2
    unit = np.eye(GRID)
    return np.stack([ndimage.map_coordinates(unit[j], [at], order=3, mode="nearest") for j in range(GRID)], axis=1)


def _taper(coordinate: np.ndarray, width: float) -> np.ndarray:
    """1 for |c| <= 1 - width, falling smoothly (smoothstep) to 0 at |c| = 1, and 0 beyond."""
    x = np.clip((1.0 - np.abs(coordinate)) / width, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def _hull(landmarks: np.ndarray, box, grow: float) -> np.ndarray | None:
    """The landmarks' convex hull in box coordinates, counter-clockwise, grown about its centroid by ``grow``;
    None if the points are (nearly) collinear, when the ellipse stands in."""
    x0, y0, x1, y1 = box
    points = np.stack(
        [(landmarks[:, 0] - (x0 + x1) / 2) / ((x1 - x0) / 2), (landmarks[:, 1] - (y0 + y1) / 2) / ((y1 - y0) / 2)],
        axis=1,
    ).astype(np.float64)
    hull = _convex_hull(points)
    if len(hull) < 3:
        return None
    a, b = hull - hull[0], np.roll(hull, -1, axis=0) - hull[0]
    area = 0.5 * abs((a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]).sum())
    if area < 1e-3:
        return None
    centre = hull.mean(axis=0)
    return centre + grow * (hull - centre)


def _convex_hull(points: np.ndarray) -> np.ndarray:
    """Andrew's monotone chain: the hull's vertices, counter-clockwise in (u, v) taken as plain x-y axes (clockwise
    on screen, where v points down), without repeats."""
    pts = sorted(set(map(tuple, points.tolist())))
    if len(pts) < 3:
        return np.asarray(pts)

    def cross(o, a, b) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return np.asarray(lower[:-1] + upper[:-1])


def _inside(u: np.ndarray, v: np.ndarray, hull: np.ndarray) -> np.ndarray:
    """Whether each (u, v) lies inside the counter-clockwise convex polygon ``hull``."""
    inside = np.ones(u.shape, dtype=bool)
    for (ax, ay), (bx, by) in zip(hull, np.roll(hull, -1, axis=0), strict=True):
        inside &= (bx - ax) * (v - ay) - (by - ay) * (u - ax) >= 0
    return inside


def _source(frame: np.ndarray, box, rows, cols, params: dict, dx: float, dy: float, ds: float) -> np.ndarray:
    """(h, w, C): the transformed copy of the face over the region (resampled, colour-jittered, degraded)."""
    x0, y0, x1, y1 = box
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    scale = params["scale"] * (1 + ds)
    xs, ys = _pixel_centres(rows, cols)
    # The source face is the frame scaled about the box centre, then shifted: pixel p shows cx + (p - cx - s) / k.
    sx = cx + (xs - cx - (params["shift_x"] + dx) * (x1 - x0)) / scale
    sy = cy + (ys - cy - (params["shift_y"] + dy) * (y1 - y0)) / scale
    source = _sample(frame, sy.ravel(), sx.ravel())
    source = source + params["brightness"] + np.array([params["shift_r"], params["shift_g"], params["shift_b"]])
    grey = source.mean(axis=2, keepdims=True)
    source = grey + params["saturation"] * (source - grey)
    source = grey.mean() + params["contrast"] * (source - grey.mean())
    if params["degrade"] == 1:
        sigma = params["blur_sigma"] * min(x1 - x0, y1 - y0)
        source = ndimage.gaussian_filter(source, (sigma, sigma, 0), mode="nearest", truncate=3.0)
    elif params["degrade"] == 2:
        h, w = source.shape[:2]
        small_h, small_w = max(1, round(h * params["resample"])), max(1, round(w * params["resample"]))
        # Down to the small grid and back, each by bilinear sampling at the other grid's pixel centres.
        small = _sample(source, _centres(small_h, h), _centres(small_w, w))
        source = _sample(small, _centres(h, small_h), _centres(w, small_w))
    return np.clip(source, 0.0, 1.0).astype(np.float32)


def _centres(n: int, size: int) -> np.ndarray:
    """The centres of ``n`` pixels spanning a side of ``size`` pixels, in that side's pixel coordinates."""
    return (np.arange(n, dtype=np.float32) + 0.5) * size / n


def _sample(image: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """Bilinear samples of (H, W, C) ``image`` on the grid of rows ``ys`` x columns ``xs`` (1-D continuous pixel
    coordinates, pixel i's centre at i + 0.5), edges extended: (len(ys), len(xs), C) float32. The op's
    resampling is axis-aligned (a scale and a shift), so rows and columns interpolate separately."""
    (y0, y1, wy), (x0, x1, wx) = _taps(ys, image.shape[0]), _taps(xs, image.shape[1])
    rows = image[y0] * (1 - wy)[:, None, None] + image[y1] * wy[:, None, None]  # (h, W, C)
    return rows[:, x0] * (1 - wx)[None, :, None] + rows[:, x1] * wx[None, :, None]


def _taps(positions: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The two neighbouring pixel indices of each position (clamped to the side: edge extension) and the weight
    of the second."""
    at = np.asarray(positions, dtype=np.float32).ravel() - 0.5
    low = np.floor(at)
    weight = (at - low).astype(np.float32)
    low = low.astype(np.int64)
    return np.clip(low, 0, size - 1), np.clip(low + 1, 0, size - 1), weight
