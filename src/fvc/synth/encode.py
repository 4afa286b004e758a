"""Bit-exact H.264 (libx264 through PyAV) in MP4.

What makes the bytes repeatable (measured with av 18.1.0): one encoder thread, x264's assembly off (``asm=0``;
with ``threads=1`` alone the bitstream still differed run to run, even the first encode in a process from later
ones), the muxer's and the codec's ``bitexact`` flags (no version strings), no timestamps or metadata that vary,
and the RGB to YUV 4:2:0 conversion done here in integer numpy rather than by swscale (whose SIMD paths may
differ between CPUs). With these, repeated runs and 1 vs 2 workers gave identical bytes, but only for fixed
package versions: tests/pipeline/test_default_corpus.py checks that regenerating the corpus reproduces data.dvc.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.codec.context import Flags

PRESET = "veryfast"
X264_PARAMS = "asm=0:threads=1:lookahead-threads=1:sliced-threads=0"
_SMPTE170M, _RANGE_MPEG = 6, 1  # BT.601 tags, matching the conversion below and decoders' default


def rgb_to_yuv420p(rgb: np.ndarray) -> np.ndarray:
    """uint8 (3, H, W) RGB -> uint8 (H*3/2, W) planar YUV 4:2:0, BT.601 limited range, integer arithmetic.

    H and W must be even. Chroma is computed from the rounded 2x2 mean of R, G, B. Luma uses uint16 (its sums
    stay below 2**16); chroma uses int32 on the quarter-size planes.
    """
    _, h, w = rgb.shape
    a = rgb.astype(np.uint16)
    y = a[0] * np.uint16(66)
    y += a[1] * np.uint16(129)
    y += a[2] * np.uint16(25)
    y += np.uint16(128)
    y >>= 8
    y += np.uint16(16)
    q = a[:, 0::2, 0::2] + a[:, 1::2, 0::2]  # 2x2 sums (at most 1020: uint16 is enough)
    q += a[:, 0::2, 1::2]
    q += a[:, 1::2, 1::2]
    q = (q.astype(np.int32) + 2) >> 2
    r2, g2, b2 = q[0], q[1], q[2]
    u = ((-38 * r2 - 74 * g2 + 112 * b2 + 128) >> 8) + 128
    v = ((112 * r2 - 94 * g2 - 18 * b2 + 128) >> 8) + 128
    out = np.empty((h * 3 // 2) * w, dtype=np.uint8)
    n, m = h * w, (h // 2) * (w // 2)
    out[:n] = y.reshape(-1)
    out[n : n + m] = u.reshape(-1)
    out[n + m :] = v.reshape(-1)
    return out.reshape(h * 3 // 2, w)


class H264Writer:
    """Write uint8 channel-first RGB frames to an MP4 file (libx264, yuv420p, constant frame rate, CRF).

    ``path`` may have any suffix (the container format is given explicitly), so a temporary file works.
    Use as a context manager; the file is complete only after a clean exit.
    """

    def __init__(self, path: Path, width: int, height: int, fps: int, crf: int) -> None:
        if width % 2 or height % 2:
            raise ValueError(f"frame size must be even for yuv420p, got {width}x{height}")
        self._container = av.open(str(path), mode="w", format="mp4", options={"fflags": "+bitexact"})
        stream = self._container.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        cc = stream.codec_context
        cc.thread_count = 1
        cc.flags |= Flags.bitexact
        cc.color_primaries, cc.color_trc, cc.colorspace = _SMPTE170M, _SMPTE170M, _SMPTE170M
        cc.color_range = _RANGE_MPEG
        stream.options = {"crf": str(crf), "preset": PRESET, "x264-params": X264_PARAMS}
        self._stream = stream
        self._tb = Fraction(1, fps)
        self._n = 0

    def write(self, rgb: np.ndarray) -> None:
        """Encode one uint8 (3, H, W) RGB frame."""
        frame = av.VideoFrame.from_ndarray(rgb_to_yuv420p(rgb), format="yuv420p")
        frame.pts, frame.time_base = self._n, self._tb
        self._n += 1
        self._container.mux(self._stream.encode(frame))

    def close(self) -> None:
        """Flush the encoder and finish the file."""
        self._container.mux(self._stream.encode(None))
        self._container.close()

    def __enter__(self) -> H264Writer:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self._container.close()
