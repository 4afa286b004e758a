"""Bit-exact, constant-bit-rate H.264 (libx264 through PyAV) in MP4.

Rate control is CBR with filler (``bitrate`` = ``vbv-maxrate``, ``nal-hrd=cbr``, a half-second ``vbv-bufsize``):
a file's size follows from its bit rate and length, not from its content, so a fake and its real twin, encoded
at the same bit rate, cannot be told apart by size, bits per pixel or the rate setting x264 writes into the
stream (both carry the same ``bitrate=``). A harder picture (the fake's jittered face) is paid for with a
slightly higher quantiser instead of more bytes, as on a real CBR upload: the fake's background came out 0.14 dB
PSNR below its twin's (median of 16 pairs), far below the spread between renditions' rates (0.04-0.32 bit/px).
Measured on the small corpus's twins (fake larger / smaller / equal):
- CRF (the former encoding): 48 / 0 / 0, median +15 %; on 24 of its twins one-pass ABR with VBV gave 20 of 24
  larger (+3.6 %), two-pass ABR 20 of 24 (+0.7 %, twice the encode time);
- CBR, one-second buffer: 14 / 11 / 23 on ``small``, but 20 / 8 / 20 on ``--identities held-out`` (audit
  AUC 0.69): a clip ends with its buffer emptier the harder it is, so the last second's bits followed content;
- CBR, half-second buffer (this): 6 / 6 / 36 (all within 0.5 %) and held-out 10 / 7 / 31 (within 5.3 %), audit
  AUC 0.50 and 0.49; a quarter second tied more but leaned to the fake again (13 / 5 over both corpora).

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


def cbr_params(bitrate_kbps: int) -> str:
    """x264 options for constant bit rate ``bitrate_kbps`` (kbit/s) with a half-second buffer and filler data.

    ``annexb=0``: x264 writes the 4-byte length prefixes MP4 stores. With start codes, x264 budgets 3 bytes for a
    filler unit's start code, the muxer stores 4, and a file grew by one byte per filler unit: the easier real twin
    needs more of them, so it came out a few bytes larger than its fake every time (enough for gradient-boosted
    trees on the size compared with the twin's: audit AUC 0.645). With length prefixes filled twins tie exactly.
    """
    b = int(bitrate_kbps)
    return f"{X264_PARAMS}:bitrate={b}:vbv-maxrate={b}:vbv-bufsize={max(1, b // 2)}:nal-hrd=cbr:annexb=0"


class H264Writer:
    """Write uint8 channel-first RGB frames to an MP4 file (libx264, yuv420p, constant frame rate, constant bit
    rate ``bitrate_kbps`` kbit/s: see the module docstring).

    ``path`` may have any suffix (the container format is given explicitly), so a temporary file works.
    Use as a context manager; the file is complete only after a clean exit.
    """

    def __init__(self, path: Path, width: int, height: int, fps: int, bitrate_kbps: int) -> None:
        if width % 2 or height % 2:
            raise ValueError(f"frame size must be even for yuv420p, got {width}x{height}")
        if int(bitrate_kbps) < 1:
            raise ValueError(f"bit rate must be at least 1 kbit/s, got {bitrate_kbps}")
        self._container = av.open(str(path), mode="w", format="mp4", options={"fflags": "+bitexact"})
        stream = self._container.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        cc = stream.codec_context
        cc.thread_count = 1
        cc.flags |= Flags.bitexact
        cc.color_primaries, cc.color_trc, cc.colorspace = _SMPTE170M, _SMPTE170M, _SMPTE170M
        cc.color_range = _RANGE_MPEG
        stream.options = {"preset": PRESET, "x264-params": cbr_params(bitrate_kbps)}
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
