"""h264: the clip re-encoded with libx264 at a drawn CRF and decoded back, as an upload or a transcode would.

The clip's frames are encoded as one video (so P/B-frame artefacts appear, not only intra ones), in memory, with
the corpus writer's repeatable settings (as fvc.synth.encode: one thread, x264's assembly off, BT.601 conversion
in integer numpy rather than swscale), so a recipe gives the same pixels on every run; with the assembly off they
also do not depend on which SIMD code x264 picks for a CPU (on and off gave different pixels here). They are
copied here, not imported, so that the clips' and features' cache keys (which hash fvc.augment's source) cover
them. A frame's result depends on the other frames of the clip, as it does when a real video is re-encoded.
"""

from __future__ import annotations

import io
from fractions import Fraction

import av
import numpy as np
import torch
from av.codec.context import Flags

from fvc.augment.registry import register, uniform

# x264's constant rate factor. 18 is x264's "visually lossless" and the embedded corpus's best quality (its bit
# rates are what CRF 18-30 gave); 38 is about a low-bit-rate upload (FF++'s c40 is CRF 40): heavy blocking, while
# a face stays recognisable.
CRF = (18.0, 38.0)
FPS = 25  # a fixed constant rate, so the same clip always gets the same encode
PRESET = "veryfast"  # the embedded corpus's preset: its artefacts are what the detector already sees
X264_PARAMS = "asm=0:threads=1:lookahead-threads=1:sliced-threads=0"  # repeatable pixels (module docstring)


def draw(rng: np.random.Generator) -> dict:
    return {"crf": uniform(rng, CRF)}


def rgb_to_yuv420p(frames: np.ndarray) -> np.ndarray:
    """uint8 (T, H, W, 3) RGB -> uint8 (T, H*3/2, W) planar YUV 4:2:0, BT.601 limited range, integer arithmetic.

    H and W even. The same formulas as fvc.synth.encode.rgb_to_yuv420p (the corpus's frames), for a whole clip:
    luma per pixel, chroma from the rounded 2x2 mean of R, G, B.
    """
    t, h, w, _ = frames.shape
    a = frames.astype(np.int32)
    y = ((66 * a[..., 0] + 129 * a[..., 1] + 25 * a[..., 2] + 128) >> 8) + 16
    q = (a[:, 0::2, 0::2] + a[:, 1::2, 0::2] + a[:, 0::2, 1::2] + a[:, 1::2, 1::2] + 2) >> 2
    r2, g2, b2 = q[..., 0], q[..., 1], q[..., 2]
    u = ((-38 * r2 - 74 * g2 + 112 * b2 + 128) >> 8) + 128
    v = ((112 * r2 - 94 * g2 - 18 * b2 + 128) >> 8) + 128
    planes = [y.reshape(t, -1), u.reshape(t, -1), v.reshape(t, -1)]
    return np.concatenate(planes, axis=1).astype(np.uint8).reshape(t, h * 3 // 2, w)


def upsample_chroma(plane: np.ndarray) -> np.ndarray:
    """int32 (h, w) chroma -> int32 (2h, 2w), 16x scaled: the triangle filter (3/4 nearest sample, 1/4 the next,
    each way; libjpeg's "fancy" upsampling, about what players do). Repeating each sample over its 2x2 block
    instead would put a staircase on every colour edge: the worst artefact of the round trip at CRF 18."""
    padded = np.pad(plane, 1, mode="edge")
    rows = np.empty((2 * plane.shape[0], padded.shape[1]), dtype=np.int32)
    rows[0::2] = 3 * padded[1:-1] + padded[:-2]
    rows[1::2] = 3 * padded[1:-1] + padded[2:]
    out = np.empty((rows.shape[0], 2 * plane.shape[1]), dtype=np.int32)
    out[:, 0::2] = 3 * rows[:, 1:-1] + rows[:, :-2]
    out[:, 1::2] = 3 * rows[:, 1:-1] + rows[:, 2:]
    return out


def yuv420p_to_rgb(yuv: np.ndarray, height: int, width: int) -> np.ndarray:
    """uint8 (H*3/2, W) planar YUV 4:2:0, BT.601 limited range -> uint8 (H, W, 3) RGB, integer arithmetic.

    The inverse of ``rgb_to_yuv420p`` for one frame (H and W even), chroma upsampled by ``upsample_chroma``.
    """
    n, m = height * width, (height // 2) * (width // 2)
    flat = yuv.reshape(-1).astype(np.int32)
    c = 16 * (flat[:n].reshape(height, width) - 16)
    d, e = (upsample_chroma(p.reshape(height // 2, width // 2)) - 16 * 128 for p in (flat[n : n + m], flat[n + m :]))
    rgb = np.stack([298 * c + 409 * e, 298 * c - 100 * d - 208 * e, 298 * c + 516 * d], axis=-1)
    return np.clip((rgb + (1 << 11)) >> 12, 0, 255).astype(np.uint8)  # 16 x 256 scaled, rounded


def reencode(frames: np.ndarray, crf: float) -> np.ndarray:
    """uint8 (T, H, W, 3) RGB -> the same frames after an H.264 round trip at ``crf``, same shape and dtype.

    Odd sides are padded to even by repeating the last row/column (yuv420p needs even sides; x264 takes 2x2 up)
    and cropped back after decoding.
    """
    t, height, width, _ = frames.shape
    h2, w2 = height + height % 2, width + width % 2
    pad = ((0, 0), (0, h2 - height), (0, w2 - width), (0, 0))
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4", options={"fflags": "+bitexact"}) as container:
        stream = container.add_stream("libx264", rate=Fraction(FPS))
        stream.width, stream.height, stream.pix_fmt = w2, h2, "yuv420p"
        stream.codec_context.thread_count = 1
        stream.codec_context.flags |= Flags.bitexact
        stream.options = {"crf": f"{crf:.6f}", "preset": PRESET, "x264-params": X264_PARAMS}
        for i in range(t):  # frame by frame: the int32 conversion of a long full-size clip would be gigabytes
            yuv = rgb_to_yuv420p(np.pad(frames[i : i + 1], pad, mode="edge"))[0]
            frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
            frame.pts, frame.time_base = i, Fraction(1, FPS)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    buffer.seek(0)
    with av.open(buffer, mode="r") as container:
        decoded = [yuv420p_to_rgb(f.to_ndarray(format="yuv420p"), h2, w2) for f in container.decode(video=0)]
    if len(decoded) != t:  # x264 and its decoder keep every frame; anything else is a bug, not a user error
        raise RuntimeError(f"h264 round trip returned {len(decoded)} frames for {t}")
    return np.stack(decoded)[:, :height, :width].copy()  # contiguous, as torch.from_numpy wants


@register("h264", kind="spatial", order=120, ranges={"crf": CRF}, draw=draw)
def h264(video: torch.Tensor, params: dict, ids: np.ndarray) -> torch.Tensor:
    # Codecs take 8-bit frames: the clip is rounded to uint8 here (the only extra rounding in a recipe).
    frames = video.mul(255).round_().clamp_(0, 255).to(torch.uint8).permute(0, 2, 3, 1).contiguous().numpy()
    out = torch.from_numpy(reencode(frames, params["crf"]))
    return out.permute(0, 3, 1, 2).to(torch.float32).div_(255)  # (T, C, H, W) over (T, H, W, C) memory
