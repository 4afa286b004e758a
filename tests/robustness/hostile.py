"""Hostile inputs for fvc's video readers, written with PyAV and numpy (no network, no ffmpeg binary).

``HOSTILE_VIDEOS`` is the outcome table the tests check: one row per input, with what ingest must do
(accept it, or reject it with a reason containing ``reason``) and what scale must make of an accepted one
(a clip of ``clip_hw`` = (H, W) at ``SCALE``, or a reject). Each maker writes one file into a folder and
returns its path; a maker that needs an encoder this FFmpeg build lacks calls ``pytest.skip`` with the name.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from fvc.clips import ScaleParams
from tests.conftest import write_video

# params.yaml's scale section: 8 frames as 2 snippets of 4, longer side 256, sides multiples of 32.
SCALE = ScaleParams(frames=8, snippet=4, max_dim=256, multiple_of=32, interpolation="area", letterbox=False)
DEFAULT_MAX_PIXELS = 8847360  # params.yaml ingest.max_pixels (4096 x 2160)


def require_encoder(codec: str) -> None:
    """Skip the calling test if PyAV's FFmpeg cannot encode ``codec``."""
    try:
        av.Codec(codec, "w")
    except (av.error.FFmpegError, ValueError):  # av.codec.codec.UnknownCodecError is a ValueError
        pytest.skip(f"PyAV's FFmpeg has no {codec} encoder")


def video(codec: str = "libx264", name: str = "v.mp4", **kwargs) -> Callable[[Path], Path]:
    """A maker for a valid video written by the suite's ``write_video``."""

    def make(folder: Path) -> Path:
        require_encoder(codec)
        return write_video(folder / name, codec=codec, **kwargs)

    return make


def zero_bytes(folder: Path) -> Path:
    path = folder / "zero.mp4"
    path.write_bytes(b"")
    return path


def random_bytes(folder: Path) -> Path:
    path = folder / "random.mp4"
    path.write_bytes(np.random.default_rng(7).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    return path


def text_file(folder: Path) -> Path:
    path = folder / "notes.mp4"
    path.write_text("video_id,path\nthis is a text file with a video's name\n" * 20)
    return path


def truncated_no_moov(folder: Path) -> Path:
    """A plain (not fast-start) mp4 keeps its index (moov) at the end: cutting before it leaves only mdat."""
    data = write_video(folder / "full.mp4", width=64, height=48, frames=30).read_bytes()
    path = folder / "truncated.mp4"
    path.write_bytes(data[: data.rindex(b"moov") - 8])
    return path


def truncated_after_moov(folder: Path) -> Path:
    """A fast-start mp4 (index first) cut in half: the index lists 30 frames, the file holds about 15."""
    path = folder / "faststart.mp4"
    rng = np.random.default_rng(3)
    with av.open(str(path), "w", options={"movflags": "faststart"}) as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for _ in range(30):
            img = rng.integers(0, 256, size=(48, 64, 3), dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    data = path.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")
    path.write_bytes(data[: len(data) // 2])
    return path


def audio_only(folder: Path) -> Path:
    """An .m4a (mp4 container) with one AAC stream and no video."""
    require_encoder("aac")
    path = folder / "speech.m4a"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=16000)
        tone = np.sin(np.arange(1024 * 10) / 8.0).astype(np.float32)[None, :] * 0.1
        for k in range(10):
            frame = av.AudioFrame.from_ndarray(tone[:, k * 1024 : (k + 1) * 1024], format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 16000, k * 1024
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def corrupt_mid_stream(folder: Path) -> Path:
    """A valid mp4 whose mdat has 200 random bytes written over its middle (damaged packets, intact index)."""
    data = bytearray(write_video(folder / "clean.mp4", width=64, height=48, frames=30).read_bytes())
    start, end = data.index(b"mdat") + 4, data.rindex(b"moov") - 4
    middle = (start + end) // 2
    data[middle : middle + 200] = np.random.default_rng(5).integers(0, 256, 200, dtype=np.uint8).tobytes()
    path = folder / "corrupt.mp4"
    path.write_bytes(bytes(data))
    return path


def garbage_after_first_frame(folder: Path) -> Path:
    """A 30-frame mp4 whose packets after the first are random bytes: the index and the first frame are intact."""
    clean = write_video(folder / "clean.mp4", width=64, height=48, frames=30)
    with av.open(str(clean)) as container:
        spans = [(p.pos, p.size) for p in container.demux(container.streams.video[0]) if p.size]
    data = bytearray(clean.read_bytes())
    rng = np.random.default_rng(11)
    for pos, size in spans[1:]:
        data[pos : pos + size] = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
    path = folder / "garbage.mp4"
    path.write_bytes(bytes(data))
    return path


def unknown_codec(folder: Path) -> Path:
    """An mp4 whose sample description names a codec no decoder knows (fourcc avc1 -> zzzz)."""
    data = bytearray(write_video(folder / "h264.mp4", frames=2).read_bytes())
    entry = data.index(b"avc1", data.index(b"stsd"))  # the first avc1 is a brand in ftyp
    data[entry : entry + 4] = b"zzzz"
    path = folder / "unknown.mp4"
    path.write_bytes(bytes(data))
    return path


def variable_frame_rate(folder: Path) -> Path:
    """20 frames at irregular times (10 ms to 500 ms apart), time base 1/1000."""
    gaps = [40, 40, 200, 10, 10, 90, 500, 33, 33, 33, 250, 17, 17, 100, 40, 40, 40, 300, 20]
    path = folder / "vfr.mp4"
    base = np.random.default_rng(2).integers(0, 256, size=(24, 32, 3), dtype=np.uint8)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 32, 24, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        for t, pts in enumerate(np.cumsum([0, *gaps])):
            frame = av.VideoFrame.from_ndarray(np.roll(base, t, axis=1), format="rgb24")
            frame.pts, frame.time_base = int(pts), Fraction(1, 1000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def claims_huge_frames(folder: Path) -> Path:
    """A 32x24 MJPEG AVI whose headers (avih, strf and every JPEG SOF0) claim 4000x4000: 16 Mpixel a frame."""
    data = bytearray(write_video(folder / "small.avi", frames=2, codec="mjpeg", pix_fmt="yuvj420p").read_bytes())
    avih = data.index(b"avih") + 8  # dwWidth, dwHeight are the 9th and 10th dwords of MainAVIHeader
    data[avih + 32 : avih + 40] = struct.pack("<II", 4000, 4000)
    strf = data.index(b"strf") + 8  # BITMAPINFOHEADER: biSize, biWidth, biHeight
    data[strf + 4 : strf + 12] = struct.pack("<ii", 4000, 4000)
    sof = 0
    while (sof := data.find(b"\xff\xc0", sof)) != -1:  # SOF0: length(2) precision(1) height(2) width(2)
        data[sof + 5 : sof + 9] = struct.pack(">HH", 4000, 4000)
        sof += 2
    path = folder / "huge_header.avi"
    path.write_bytes(bytes(data))
    return path


@dataclass(frozen=True)
class Hostile:
    id: str
    make: Callable[[Path], Path]
    ingest: str  # "accepted" | "rejected"
    reason: str = ""  # substring of the ingest (or scale) reject reason
    clip_hw: tuple[int, int] | None = None  # (H, W) of the scaled clip when scale makes one
    scale_reason: str = ""  # substring of the scale reject reason when it refuses an accepted video
    max_pixels: int = DEFAULT_MAX_PIXELS


HOSTILE_VIDEOS = [
    # Not videos: ingest rejects them with a reason; scale never sees them.
    Hostile("zero_bytes", zero_bytes, "rejected", "empty file (0 bytes)"),
    Hostile("random_bytes", random_bytes, "rejected", "not a readable media file"),
    Hostile("text_file", text_file, "rejected", "not a readable media file"),
    Hostile("truncated_no_moov", truncated_no_moov, "rejected", "not a readable media file"),
    Hostile("audio_only_aac", audio_only, "rejected", "no video stream"),
    Hostile("unknown_codec", unknown_codec, "rejected", "no decoder"),
    # Too large: refused from the headers, before a frame is decoded.
    Hostile(
        "claims_4000x4000", claims_huge_frames, "rejected", "frame size 4000x4000 exceeds ingest.max_pixels=8847360"
    ),
    Hostile(
        "real_4100x2200",
        video("mpeg4", "big.avi", width=4100, height=2200, frames=1),
        "rejected",
        "frame size 4100x2200 exceeds ingest.max_pixels=8847360",
    ),
    Hostile(
        "at_max_4096x2160", video("mpeg4", "uhd.avi", width=4096, height=2160, frames=1), "accepted", clip_hw=(128, 256)
    ),
    Hostile(
        "small_max_pixels",
        video(width=64, height=48),
        "rejected",
        "frame size 64x48 exceeds ingest.max_pixels=3000",
        max_pixels=3000,
    ),
    # Damaged but usable: accepted; scale decodes what is there.
    Hostile("corrupt_mid_stream", corrupt_mid_stream, "accepted", clip_hw=(192, 256)),
    Hostile("truncated_after_moov", truncated_after_moov, "accepted", clip_hw=(192, 256)),
    # Ingest decodes only the first frame; scale finds too few of the sampled frames decodable.
    Hostile("garbage_after_first_frame", garbage_after_first_frame, "accepted", scale_reason="decodable"),
    # Valid but odd: accepted and scaled (upscaled, or the short side raised to one multiple_of).
    Hostile("one_frame", video(frames=1), "accepted", clip_hw=(192, 256)),
    Hostile("tiny_2x2_yuv444", video(width=2, height=2, pix_fmt="yuv444p"), "accepted", clip_hw=(256, 256)),
    Hostile("wide_640x16", video(width=640, height=16), "accepted", clip_hw=(32, 256)),
    Hostile("ten_bit_h264", video(pix_fmt="yuv420p10le"), "accepted", clip_hw=(192, 256)),
    Hostile("gray_h264", video(pix_fmt="gray"), "accepted", clip_hw=(192, 256)),
    Hostile("gray_ffv1", video("ffv1", "gray.mkv", pix_fmt="gray"), "accepted", clip_hw=(192, 256)),
    Hostile("ten_bit_ffv1", video("ffv1", "ten.mkv", pix_fmt="yuv420p10le"), "accepted", clip_hw=(192, 256)),
    Hostile("vp9_webm", video("libvpx-vp9", "v.webm"), "accepted", clip_hw=(192, 256)),
    Hostile("hevc_mp4", video("libx265", "hevc.mp4"), "accepted", clip_hw=(192, 256)),
    Hostile("variable_frame_rate", variable_frame_rate, "accepted", clip_hw=(192, 256)),
    Hostile("rotated_90", video(width=64, height=32, rotation=90), "accepted", clip_hw=(256, 128)),
    Hostile("long_3000_frames", video(frames=3000), "accepted", clip_hw=(192, 256)),
]
