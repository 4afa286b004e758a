"""Probing a video file with PyAV (what ingest records), and opening its first video stream for decoding."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import av

HASH_CHUNK = 1 << 20


class VideoError(Exception):
    """A video that cannot be used; the message is the one-line reason that goes into a rejects table."""


@dataclass(frozen=True)
class Probe:
    """What ingest records about a video. Width and height are as displayed (rotation applied)."""

    width: int
    height: int
    rotation: int
    fps: float
    frame_count: int
    duration_s: float
    codec: str
    pix_fmt: str
    size_bytes: int
    content_hash: str

    def as_row(self) -> dict:
        return asdict(self)


def file_sha256(path: str | os.PathLike) -> str:
    """sha256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def probe_video(path: str | os.PathLike, *, max_pixels: int) -> Probe:
    """Probe a video file: open it, demux every packet of its first video stream, decode the first frame.

    Raises VideoError with a one-line reason for anything that makes the file unusable: not a media file,
    no video stream, no decodable frame, or more than ``max_pixels`` pixels per frame.
    """
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise VideoError("empty file (0 bytes)")
    with open_video(path) as (container, stream):
        coded_w, coded_h = stream.codec_context.width, stream.codec_context.height
        if coded_w <= 0 or coded_h <= 0:
            raise VideoError(f"invalid frame size {coded_w}x{coded_h}")
        # Refuse before decoding: a file can claim huge dimensions to exhaust memory.
        if coded_w * coded_h > max_pixels:
            raise VideoError(f"frame size {coded_w}x{coded_h} exceeds ingest.max_pixels={max_pixels}")
        first, packets = _first_frame_and_packet_count(container, stream)
        rotation = int(round(first.rotation)) % 360 if first.rotation else 0
        width, height = (first.height, first.width) if rotation in (90, 270) else (first.width, first.height)
        fps = float(stream.average_rate or stream.guessed_rate or 0.0)
        # The container's count can list frames whose data is missing (a truncated download): read_frames
        # indexes frames in decode order, so count only the packets actually present.
        frame_count = min(int(stream.frames), packets) if stream.frames else packets
        duration = _duration_seconds(container, stream, frame_count, fps)
        return Probe(
            width=width,
            height=height,
            rotation=rotation,
            fps=fps,
            frame_count=frame_count,
            duration_s=duration,
            codec=stream.codec_context.name,
            pix_fmt=str(first.format.name),
            size_bytes=size,
            content_hash=file_sha256(path),
        )


@contextlib.contextmanager
def open_video(path: str | os.PathLike) -> Iterator[tuple[av.container.InputContainer, av.video.stream.VideoStream]]:
    """Open ``path`` and yield (container, its first video stream); VideoError if either is missing."""
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError) as err:
        raise VideoError(f"not a readable media file ({_short(err)})") from None
    with container:
        if not container.streams.video:
            raise VideoError("no video stream")
        stream = container.streams.video[0]
        # PyAV leaves codec_context None when FFmpeg has no decoder for the stream's codec (e.g. an unknown tag).
        if stream.codec_context is None:
            raise VideoError("video stream has no decoder (unknown or unsupported codec)")
        yield container, stream


def _first_frame_and_packet_count(container: av.container.InputContainer, stream) -> tuple[av.VideoFrame, int]:
    first = None
    packets = 0
    try:
        for packet in container.demux(stream):
            if packet.size == 0:
                continue
            packets += 1
            if first is None:
                for frame in _decode_packet(packet):
                    first = frame
                    break
        if first is None:  # frames may only appear once the decoder is flushed
            for frame in stream.decode(None):
                first = frame
                break
    except av.error.FFmpegError as err:
        if first is None:
            raise VideoError(f"no decodable video frame ({_short(err)})") from None
    if first is None:
        raise VideoError("no decodable video frame")
    return first, packets


def _decode_packet(packet):
    try:
        return packet.decode()
    except av.error.InvalidDataError:
        return []  # a damaged packet; later ones may decode


def _duration_seconds(container, stream, frame_count: int, fps: float) -> float:
    if stream.duration is not None and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return frame_count / fps if fps > 0 else 0.0


def _short(err: BaseException) -> str:
    # FFmpegError's str() ends with the file's absolute path: keep reasons (rejects.parquet) independent of
    # where the corpus is checked out by using its bare message.
    text = getattr(err, "strerror", None) or str(err)
    return text.splitlines()[0][:200] if text else type(err).__name__
