"""Rendering a rendition: a virtual camera over a still scene (the real clip) and its face-manipulated twin.

All per-pixel work is vectorised numpy on float32 with elementwise arithmetic only (no BLAS, no transcendental
functions per pixel), so results do not depend on threads or CPU dispatch. Per-frame scalars (camera path,
lighting) use Python's ``math`` on float64. The real and fake frames of one rendition come from the same
noise-free frame and the same sensor noise, added after the fake's face is pasted, so every nuisance is shared
(the pasted face is as noisy as the rest) and the twins differ only where the face mask is non-zero.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from fvc.synth.plan import Group, Rendition, rng_for
from fvc.synth.sources import FACE_BOXES, face, lfw_face_rgb, lfw_index, load_image

TAU = 2.0 * math.pi

# Manipulation knobs: values at strength 1, linear in strength except alpha (see the package docstring).
ALPHA_SLOPE = 2.0  # blend alpha at the mask's centre: min(1, ALPHA_SLOPE * strength), opaque from 0.5
JITTER_PX_MAX = 3.0  # std of the per-frame shift of the pasted face, output pixels
JITTER_SCALE_MAX = 0.03  # std of its per-frame relative scale change
JITTER_ROT_MAX = math.radians(1.5)  # std of its per-frame rotation
FLICKER_GAIN_MAX = 0.06  # std of the per-frame gain of the pasted face (shared + per channel)
FLICKER_BIAS_MAX = 3.0  # std of the per-frame offset, 8-bit levels
BLUR_MAX = 2.0  # the pasted face is rendered at 1/(1 + BLUR_MAX * strength) resolution then upsampled
FEATHER = 0.35  # width of the mask's soft edge, as a fraction of the ellipse radius
SELF_SHIFT_MAX = 0.04  # selfblend: static offset of the own face copy, fraction of face size
SELF_COLOUR_MAX = 18.0  # selfblend: colour-transfer shift of the channel means, 8-bit levels


# ---------------------------------------------------------------------------------------------- sampling
def bilinear(img: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Sample ``img`` (C, h, w) float32 at float coordinates ``x``, ``y`` (equal shapes S); edges clamp.

    Returns float32 (C, *S). One 1-D ``take`` per corner and channel: the fastest gather numpy offers here.
    """
    c, h, w = img.shape
    flat = img.reshape(c, h * w)
    x = np.clip(x, 0.0, w - 1.0)
    y = np.clip(y, 0.0, h - 1.0)
    x0 = np.minimum(x.astype(np.int32), w - 2)
    y0 = np.minimum(y.astype(np.int32), h - 2)
    fx = x - x0
    fy = y - y0
    i00 = y0 * w + x0
    i01, i10, i11 = i00 + 1, i00 + w, i00 + w + 1
    out = np.empty((c, *x.shape), dtype=np.float32)
    for ch in range(c):
        plane = flat[ch]
        a, b = plane.take(i00), plane.take(i01)
        top = a + fx * (b - a)
        a, b = plane.take(i10), plane.take(i11)
        bot = a + fx * (b - a)
        out[ch] = top + fy * (bot - top)
    return out


def _antialias(img: np.ndarray, scale: float) -> np.ndarray:
    """Blur (C, h, w) ``img`` before sampling it at ``scale`` source px per output px (as skimage does)."""
    sigma = max(0.0, (scale - 1.0) / 2.0)
    if sigma < 0.05:
        return np.ascontiguousarray(img, dtype=np.float32)
    return ndimage.gaussian_filter(img, sigma=(0.0, sigma, sigma), mode="nearest").astype(np.float32)


# ---------------------------------------------------------------------------------------------- scenes
@dataclass(frozen=True)
class Scene:
    """A group's still: float32 RGB ``image`` (3, h, w) and the face ``box`` (x0, y0, x1, y1) in it."""

    image: np.ndarray
    box: tuple[float, float, float, float]


@functools.cache
def scene(group: Group) -> Scene:
    """Build a group's scene: the identity's own still, or an LFW face pasted into a background still."""
    if group.identity in FACE_BOXES:
        image, box = load_image(group.identity), FACE_BOXES[group.identity]
    else:
        image = np.array(load_image(group.background))  # writable copy
        crop = lfw_face_rgb(lfw_index(group.identity))
        s = group.face_size
        left, top = group.face_x - s / 2, group.face_y - s / 2
        y0, y1 = int(math.floor(top)), int(math.ceil(top + s)) + 1
        x0, x1 = int(math.floor(left)), int(math.ceil(left + s)) + 1
        yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        # crop pixel = (scene pixel - corner) * 25 / s: bilinear upscaling of the crop, then a soft ellipse
        patch = bilinear(crop, (xx - left) * (25.0 / s) - 0.5, (yy - top) * (25.0 / s) - 0.5)
        m = _ellipse_mask(xx, yy, group.face_x, group.face_y, 0.47 * s, 0.5 * s, 0.25)
        image[:, y0:y1, x0:x1] = image[:, y0:y1, x0:x1] * (1.0 - m) + patch * m
        box = (left + 3 / 25 * s, top + 2 / 25 * s, left + 22 / 25 * s, top + 24 / 25 * s)
    if group.flip:
        w = image.shape[2]
        image = image[:, :, ::-1]
        box = (w - box[2], box[1], w - box[0], box[3])
    image = np.ascontiguousarray(image, dtype=np.float32)
    image.setflags(write=False)
    return Scene(image, box)


def _ellipse_mask(
    x: np.ndarray, y: np.ndarray, cx: float, cy: float, ax: float, ay: float, feather: float
) -> np.ndarray:
    """1 inside the ellipse, 0 outside, a smoothstep over the outer ``feather`` fraction of the radius."""
    dx = (x - np.float32(cx)) * np.float32(1.0 / ax)
    dy = (y - np.float32(cy)) * np.float32(1.0 / ay)
    t = np.clip((1.0 - np.sqrt(dx * dx + dy * dy)) * np.float32(1.0 / feather), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


# ---------------------------------------------------------------------------------------------- camera
@dataclass(frozen=True)
class Track:
    """Per-frame camera and lighting of a rendition (all float64 arrays of length T).

    Source point of output pixel (u, v): centre + k * R(theta) @ (u - (W-1)/2, v - (H-1)/2).
    """

    cx: np.ndarray
    cy: np.ndarray
    k: np.ndarray
    theta: np.ndarray
    gain: np.ndarray  # (T, 3)
    bias: np.ndarray  # (T,)
    noise_sigma: float


def track(r: Rendition, seed: int) -> Track:
    """The camera path, lighting drift and noise level of rendition ``r`` (shared by its real and fake clips).

    Motion and lighting are functions of time drawn from the group's seed, so renditions of one group show the
    same source clip; each rendition starts at its own time offset and has its own sensor-noise level.
    """
    sc = scene(r.group)
    ih, iw = sc.image.shape[1:]
    x0, y0, x1, y1 = sc.box
    fw, fh = x1 - x0, y1 - y0
    fsize = max(fw, fh)
    g = rng_for(seed, "camera", r.group.group)
    face_frac = g.uniform(0.3, 0.5)  # face size over the frame's short side
    zoom_amp, zoom_f, zoom_ph = g.uniform(0.02, 0.1), g.uniform(0.05, 0.2), g.uniform(0, TAU)
    roll0, roll_amp = math.radians(g.uniform(-3, 3)), math.radians(g.uniform(0, 3))
    roll_f, roll_ph = g.uniform(0.05, 0.3), g.uniform(0, TAU)
    pan = g.uniform(-1, 1, size=(2, 2)) * np.array([0.22, 0.12])[:, None]  # (component, axis), face sizes
    pan_f, pan_ph = g.uniform(0.03, 0.25, size=2), g.uniform(0, TAU, size=(2, 2))
    anchor = g.uniform(-0.15, 0.15, size=2)
    shake_amp = g.uniform(0.2, 1.5)  # output pixels
    shake_a = g.uniform(0.3, 1.0, size=(3, 2)) * shake_amp / 2.0
    shake_f, shake_ph = g.uniform(2.0, 7.0, size=3), g.uniform(0, TAU, size=(3, 2))
    light_amp, light_f, light_ph = g.uniform(0.03, 0.1), g.uniform(0.05, 0.3), g.uniform(0, TAU)
    tint = 1.0 + g.uniform(-0.06, 0.06, size=3)
    tint_amp, tint_ph = g.uniform(0.0, 0.03), g.uniform(0, TAU)
    bias0 = g.uniform(-8, 8)

    n = rng_for(seed, "nuisance", r.stem)
    t0, noise_sigma = n.uniform(0.0, 8.0), float(n.uniform(1.0, 4.0))

    W, H = r.width, r.height
    k_face = fsize / (face_frac * min(W, H))
    k_fit = 0.92 * min(iw / W, ih / H)  # keep the view (mostly) inside the still
    k0 = min(k_face, k_fit)
    # How far (face sizes) the view centre may stray from the face centre with the whole face still in view.
    room = np.array([0.5 * W * k0 - 0.5 * fw, 0.5 * H * k0 - 0.5 * fh]) / fsize / (1 + zoom_amp) - 0.08
    room = np.maximum(room, 0.0)
    stray = np.abs(anchor) + np.abs(pan).sum(axis=0)
    scale = np.minimum(1.0, room / np.maximum(stray, 1e-9))
    anchor, pan = anchor * scale, pan * scale
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2]) + anchor * fsize
    half = np.array([0.5 * W, 0.5 * H]) * k0 * (1 + zoom_amp)
    lo, hi = half, np.array([iw, ih]) - half
    centre = np.where(lo <= hi, np.clip(centre, lo, hi), np.array([iw, ih]) / 2)

    T = r.n_frames
    cx, cy, k, th = np.empty(T), np.empty(T), np.empty(T), np.empty(T)
    gain, bias = np.empty((T, 3)), np.full(T, bias0)
    for i in range(T):
        t = t0 + i / r.fps
        ki = k0 * math.exp(zoom_amp * math.sin(TAU * zoom_f * t + zoom_ph))
        p = [sum(pan[c, a] * math.sin(TAU * pan_f[c] * t + pan_ph[c, a]) for c in range(2)) for a in range(2)]
        s = [sum(shake_a[j, a] * math.sin(TAU * shake_f[j] * t + shake_ph[j, a]) for j in range(3)) for a in range(2)]
        cx[i] = centre[0] + p[0] * fsize + s[0] * ki
        cy[i] = centre[1] + p[1] * fsize + s[1] * ki
        k[i] = ki
        th[i] = roll0 + roll_amp * math.sin(TAU * roll_f * t + roll_ph)
        light = 1.0 + light_amp * math.sin(TAU * light_f * t + light_ph)
        warm = tint_amp * math.sin(TAU * 0.5 * light_f * t + tint_ph)  # slow colour-temperature drift
        gain[i] = tint * light * np.array([1.0 + warm, 1.0, 1.0 - warm])
    return Track(cx, cy, k, th, gain, bias, noise_sigma)


def face_boxes(r: Rendition, seed: int) -> np.ndarray:
    """Per-frame face boxes (x0, y0, x1, y1) in output pixels, float64 (T, 4), not clipped to the frame."""
    tr = track(r, seed)
    x0, y0, x1, y1 = scene(r.group).box
    corners = np.array([[x0, y0], [x1, y0], [x0, y1], [x1, y1]])
    dx = corners[None, :, 0] - tr.cx[:, None]
    dy = corners[None, :, 1] - tr.cy[:, None]
    # math.cos/sin (libm), not numpy's, whose SIMD variants may round differently on other CPUs.
    c = np.array([math.cos(t) for t in tr.theta])[:, None]
    s = np.array([math.sin(t) for t in tr.theta])[:, None]
    u = (c * dx + s * dy) / tr.k[:, None] + (r.width - 1) / 2
    v = (-s * dx + c * dy) / tr.k[:, None] + (r.height - 1) / 2
    return np.stack([u.min(1), v.min(1), u.max(1), v.max(1)], axis=1)


# ---------------------------------------------------------------------------------------------- manipulation
@dataclass(frozen=True)
class Donor:
    """The face pasted into the fake: ``canvas`` in scene coordinates offset by (ox, oy), anti-aliased."""

    canvas: np.ndarray
    ox: int
    oy: int


def _face_stats(img: np.ndarray, box: tuple[float, float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and std inside the inner ellipse of ``box``."""
    x0, y0, x1, y1 = box
    ys, xs = np.mgrid[int(y0) : int(math.ceil(y1)) + 1, int(x0) : int(math.ceil(x1)) + 1]
    ys, xs = np.clip(ys, 0, img.shape[1] - 1), np.clip(xs, 0, img.shape[2] - 1)
    inside = ((xs - (x0 + x1) / 2) / (0.4 * (x1 - x0))) ** 2 + ((ys - (y0 + y1) / 2) / (0.4 * (y1 - y0))) ** 2 < 1
    px = img[:, ys[inside], xs[inside]].astype(np.float64)
    return px.mean(1), np.maximum(px.std(1), 1.0)


def donor(r: Rendition, seed: int, strength: float, k0: float) -> Donor:
    """The donor face for the fake of ``r``, laid over the target face's area of the scene, colour-matched.

    faceswap: another identity's face, its box stretched onto the target box, colour statistics matched to
    the target face (as swap pipelines do). selfblend: the scene's own face, slightly shifted and rescaled,
    with its colour statistics moved by a random offset (a self-blended image).
    """
    sc = scene(r.group)
    tx0, ty0, tx1, ty1 = sc.box
    tw, th = tx1 - tx0, ty1 - ty0
    ox, oy = int(math.floor(tx0 - 0.6 * tw)), int(math.floor(ty0 - 0.6 * th))
    cw, ch = int(math.ceil(2.2 * tw)) + 2, int(math.ceil(2.2 * th)) + 2
    yy, xx = np.mgrid[oy : oy + ch, ox : ox + cw].astype(np.float32)
    m = rng_for(seed, "donor", r.stem)
    t_mean, t_std = _face_stats(sc.image, sc.box)
    if r.method == "faceswap":
        f = face(r.donor)
        dx0, dy0, dx1, dy1 = f.box
        sx, sy = (dx1 - dx0) / tw, (dy1 - dy0) / th
        img = _antialias(f.image, max(sx, sy) * k0)
        canvas = bilinear(img, dx0 + (xx - tx0) * sx, dy0 + (yy - ty0) * sy)
        d_mean, d_std = _face_stats(img, f.box)
        new_mean, new_std = t_mean, t_std
    else:
        grow = 1.0 + strength * m.uniform(-0.5, 1.0) * SELF_SHIFT_MAX
        shift = strength * m.uniform(-1, 1, size=2) * SELF_SHIFT_MAX * max(tw, th)
        fcx, fcy = (tx0 + tx1) / 2, (ty0 + ty1) / 2
        img = _antialias(sc.image, k0)
        canvas = bilinear(img, fcx + (xx - fcx) / grow + shift[0], fcy + (yy - fcy) / grow + shift[1])
        d_mean, d_std = t_mean, t_std
        new_mean = t_mean + strength * m.uniform(-1, 1, size=3) * SELF_COLOUR_MAX
        new_std = t_std * (1.0 + strength * m.uniform(-0.15, 0.15, size=3))
    gain = (new_std / d_std).astype(np.float32)[:, None, None]
    offset = (new_mean - d_mean * new_std / d_std).astype(np.float32)[:, None, None]
    canvas = canvas * gain + offset
    return Donor(np.ascontiguousarray(canvas, dtype=np.float32), ox, oy)


# ---------------------------------------------------------------------------------------------- frames
class _Camera:
    """Source coordinates of output pixels in frame ``i`` of a track (full frame or any sub-grid)."""

    def __init__(self, tr: Track, width: int, height: int) -> None:
        self.tr, self.u0, self.v0 = tr, (width - 1) / 2, (height - 1) / 2

    def coords(self, i: int, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``u``, ``v``: float32 output pixel coordinates, already centred (minus (W-1)/2, (H-1)/2)."""
        tr = self.tr
        kc, ks = np.float32(tr.k[i] * math.cos(tr.theta[i])), np.float32(tr.k[i] * math.sin(tr.theta[i]))
        return np.float32(tr.cx[i]) + kc * u - ks * v, np.float32(tr.cy[i]) + ks * u + kc * v


class _Manipulation:
    """The per-frame face manipulation of one fake clip (see the package docstring for the knobs)."""

    def __init__(
        self, r: Rendition, seed: int, strength: float, cam: _Camera, k0: float, rng: np.random.Generator
    ) -> None:
        self.r, self.s, self.cam = r, strength, cam
        x0, y0, x1, y1 = scene(r.group).box
        self.fc = ((x0 + x1) / 2, (y0 + y1) / 2)
        self.axes = (0.5 * (x1 - x0), 0.5 * (y1 - y0))
        self.donor = donor(r, seed, strength, k0)
        self.alpha = np.float32(min(1.0, ALPHA_SLOPE * strength * rng.uniform(0.85, 1.15)))
        self.blur = 1.0 + BLUR_MAX * strength * rng.uniform(0.75, 1.25)
        self.boxes = face_boxes(r, seed)

    def _jitter(self, xs: np.ndarray, ys: np.ndarray, jit: np.ndarray, k: float) -> tuple[np.ndarray, np.ndarray]:
        """Misalign source coordinates about the face centre: shift (output px), scale and rotation noise."""
        s = self.s
        zoom = 1.0 + jit[2] * JITTER_SCALE_MAX * s
        rot = jit[3] * JITTER_ROT_MAX * s
        jc, js = np.float32(zoom * math.cos(rot)), np.float32(zoom * math.sin(rot))
        fcx, fcy = self.fc
        dx, dy = xs - np.float32(fcx), ys - np.float32(fcy)
        sx, sy = jit[:2] * JITTER_PX_MAX * s * k
        return np.float32(fcx + sx) + jc * dx - js * dy, np.float32(fcy + sy) + js * dx + jc * dy

    def apply(
        self, i: int, frame: np.ndarray, noise: np.ndarray, real: np.ndarray, jit: np.ndarray, flick: np.ndarray
    ) -> np.ndarray:
        """The fake frame: ``real`` (uint8) with the face region re-composited on the noise-free ``frame`` (float32,
        changed in place there) and the real twin's sensor ``noise`` added after the paste."""
        _, H, W = frame.shape
        s, tr, k = self.s, self.cam.tr, self.cam.tr.k[i]
        bx0, by0, bx1, by1 = self.boxes[i]
        pad = 0.12 * max(bx1 - bx0, by1 - by0) + 3.0 * JITTER_PX_MAX * s + 2.0  # room for the jitter
        px0, py0 = max(0, int(bx0 - pad)), max(0, int(by0 - pad))
        px1, py1 = min(W, int(math.ceil(bx1 + pad))), min(H, int(math.ceil(by1 + pad)))
        if px1 - px0 < 2 or py1 - py0 < 2:  # face out of view
            return real.copy()
        ph, pw = py1 - py0, px1 - px0
        cu, cv = px0 - self.cam.u0, py0 - self.cam.v0

        # The mask follows the misaligned face, so its soft edge moves against the scene too.
        fv, fu = np.mgrid[0:ph, 0:pw].astype(np.float32)
        qx, qy = self._jitter(*self.cam.coords(i, fu + np.float32(cu), fv + np.float32(cv)), jit, k)
        mask = _ellipse_mask(qx, qy, *self.fc, *self.axes, FEATHER) * self.alpha

        # Resampling blur: the donor rendered on a grid 1/blur as fine, then upsampled bilinearly.
        b = self.blur
        nh, nw = max(2, int(math.ceil((ph - 1) / b)) + 1), max(2, int(math.ceil((pw - 1) / b)) + 1)
        gu, gv = np.meshgrid(
            np.arange(nw, dtype=np.float32) * np.float32(b) + np.float32(cu),
            np.arange(nh, dtype=np.float32) * np.float32(b) + np.float32(cv),
        )
        dx, dy = self._jitter(*self.cam.coords(i, gu, gv), jit, k)
        d = self.donor
        coarse = bilinear(d.canvas, dx - np.float32(d.ox), dy - np.float32(d.oy))
        paste = bilinear(coarse, fu * np.float32(1.0 / b), fv * np.float32(1.0 / b))

        # The scene's lighting, then flicker: per-frame gain (shared + per channel) and offset of the region.
        gain = tr.gain[i] * (1.0 + FLICKER_GAIN_MAX * s * (flick[0] + 0.5 * flick[1:4]))
        paste *= gain.astype(np.float32)[:, None, None]
        paste += np.float32(tr.bias[i] + FLICKER_BIAS_MAX * s * flick[4])

        # Composite on the noise-free frame, then add the same sensor noise as the real twin: the pasted face is as
        # noisy as the rest of the frame, and where the mask is 0 the fake equals the real bit for bit.
        region = frame[:, py0:py1, px0:px1]
        region += mask * (paste - region)
        region += noise[:, py0:py1, px0:px1]
        fake = real.copy()
        fake[:, py0:py1, px0:px1] = np.clip(np.rint(region), 0, 255).astype(np.uint8)
        return fake


def frames(r: Rendition, seed: int, strength: float) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (real, fake) uint8 RGB frames, channel-first (3, H, W), of rendition ``r``.

    The fake equals the real outside the (jittered, feathered) face ellipse; at strength 0, everywhere.
    """
    W, H = r.width, r.height
    tr = track(r, seed)
    cam = _Camera(tr, W, H)
    k0 = float(np.median(tr.k))
    src = _antialias(scene(r.group).image, k0)
    uu, vv = np.meshgrid(
        np.arange(W, dtype=np.float32) - np.float32(cam.u0),
        np.arange(H, dtype=np.float32) - np.float32(cam.v0),
    )
    nz = rng_for(seed, "noise", r.stem)  # sensor noise: one stream shared by the twins
    mp = rng_for(seed, "manipulation", r.stem)  # manipulation noise: the fake only
    manip = _Manipulation(r, seed, strength, cam, k0, mp) if strength > 0 else None
    noise_scale = np.float32(tr.noise_sigma * math.sqrt(6.0))
    for i in range(r.n_frames):
        frame = bilinear(src, *cam.coords(i, uu, vv))
        frame *= tr.gain[i].astype(np.float32)[:, None, None]
        frame += np.float32(tr.bias[i])
        # Sensor noise: triangular (two uniforms) with std noise_sigma, near-Gaussian at a quarter the cost. Added
        # after the fake's paste (in ``apply``), so both twins carry the same noise, the pasted face included.
        noise = (nz.random((3, H, W), dtype=np.float32) + nz.random((3, H, W), dtype=np.float32) - 1.0) * noise_scale
        real = np.clip(np.rint(frame + noise), 0, 255).astype(np.uint8)
        # Drawn every frame, even with the face out of view, so the stream does not depend on visibility.
        jit, flick = mp.standard_normal(4), mp.standard_normal(5)
        yield real, (manip.apply(i, frame, noise, real, jit, flick) if manip else real.copy())
