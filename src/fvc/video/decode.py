"""Streaming decode of sampled frames with PyAV: only the wanted frames, already resized, are kept.

Two ways reach the wanted frames, with the same frames bit for bit:

- straight: decode from the first frame to the last wanted one, counting frames as the decoder outputs them;
- indexed: index the frames by timestamp (``keyframes.index_frames``), seek to the keyframe at or before a
  wanted frame and decode forward only to it, going on without a seek when that would skip nothing
  (``keyframes.plan_reads``), and not decoding unwanted non-reference frames where the codec allows
  (``seeking.SKIP_NONREF_CODECS``). Each decoded frame is identified by its pts; anything unexpected (see
  ``seeking``) stops the indexed read, and the straight decode runs instead.

``decode_sampled`` takes the indexed way whenever the stream indexes exactly and that way seeks past or skips
at least one frame, and says which way it went; ``read_frames`` is its short form.

Damaged streams: the indexed way sees only what it decodes. A decode error, a frame flagged corrupt or a frame
missing in a stretch it decodes sends the read to the straight decode, as before; damage in a stretch it seeks
past goes unseen, so where the straight decode drops a frame there and counts every later frame one lower (or
runs out of frames before the last index), the indexed way returns the frames at the wanted timestamps.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import av
import numpy as np

from fvc.video.keyframes import SEEK_GAP_FRAMES, FrameIndex, Read, index_frames, plan_reads
from fvc.video.probe import VideoError, open_video
from fvc.video.seeking import SKIP_NONREF_CODECS, InexactSeek, decode_by_seeking

INTERPOLATIONS = {"area": "AREA", "bilinear": "BILINEAR"}


@dataclass(frozen=True)
class SampledDecode:
    """The result of decoding sampled frames.

    ``frames``: (T, H, W, 3) uint8, one per requested index. ``reached``: the frames of the video up to and
    including the last one decoded (how far into the video decoding went). ``decoded``: frames the decoder
    output (fewer than ``reached`` when the indexed way skipped some). ``seeks``: reads that began with a seek.
    ``method``: "indexed" or "straight" (see the module docstring).
    """

    frames: np.ndarray
    reached: int
    decoded: int
    seeks: int
    method: str


@dataclass(frozen=True)
class _Picture:
    """How a decoded frame becomes an output picture: resized to displayed ``height`` x ``width``, rotated."""

    height: int
    width: int
    rotation: int
    interpolation: str

    def rgb(self, frame: av.VideoFrame) -> np.ndarray:
        """(height, width, 3) uint8 RGB of ``frame``."""
        # Resize in the coded orientation, then rotate: a 90/270 rotation swaps the sides.
        coded_h, coded_w = (self.width, self.height) if self.rotation in (90, 270) else (self.height, self.width)
        rgb = frame.reformat(
            width=coded_w, height=coded_h, format="rgb24", interpolation=INTERPOLATIONS[self.interpolation]
        ).to_ndarray()
        return np.rot90(rgb, k=self.rotation // 90) if self.rotation else rgb

    def empty(self, count: int) -> np.ndarray:
        return np.zeros((count, self.height, self.width, 3), dtype=np.uint8)


def read_frames(
    path: str | os.PathLike,
    indices: np.ndarray,
    *,
    height: int,
    width: int,
    rotation: int = 0,
    interpolation: str = "area",
) -> tuple[np.ndarray, int]:
    """Decode the frames at sorted ``indices`` (decode order), resized to displayed ``height`` x ``width``.

    Streams the file: only the wanted frames, already resized, are kept, so memory does not grow with the
    video's length; far-apart frames are reached by seeking (see decode_sampled). ``rotation`` (counter-clockwise
    degrees, from probing) is applied after resizing. Indices past the last decodable frame repeat the last
    decoded one. Returns (frames (T, H, W, 3) uint8, the frames of the video up to and including the last one
    decoded). Raises VideoError if no frame decodes.
    """
    result = decode_sampled(path, indices, height=height, width=width, rotation=rotation, interpolation=interpolation)
    return result.frames, result.reached


def decode_sampled(
    path: str | os.PathLike,
    indices: np.ndarray,
    *,
    height: int,
    width: int,
    rotation: int = 0,
    interpolation: str = "area",
    seek_gap: int | None = SEEK_GAP_FRAMES,
) -> SampledDecode:
    """read_frames, saying how (see the module docstring): the indexed way, seeking by keyframes.plan_reads
    with ``seek_gap``, where the stream indexes exactly and that seeks past or skips a frame; else, and whenever
    the indexed way meets the unexpected, straight through. ``seek_gap=None`` always decodes straight through.
    Indices must be sorted for the indexed way (unsorted ones decode straight, as before). Raises VideoError if
    the file is not a video or no frame decodes.
    """
    wanted = np.asarray(indices, dtype=np.int64)
    picture = _Picture(height, width, rotation, interpolation)
    if seek_gap is not None and len(wanted) and wanted[0] >= 0 and np.all(np.diff(wanted) >= 0):
        with open_video(path) as (container, stream):
            index = index_frames(container, stream)
            reads = _indexed_plan(index, wanted, stream.codec_context.name, seek_gap)
            if reads is not None:
                try:
                    return _decode_indexed(container, stream, wanted, index, reads, picture)
                except InexactSeek:
                    pass
    return _decode_straight(path, wanted, picture)


def _indexed_plan(index: FrameIndex | None, wanted: np.ndarray, codec: str, seek_gap: int) -> list[Read] | None:
    """The reads of an indexed decode of sorted ``wanted``, or None where it cannot be exact (no ``index``, a
    frame past its end) or would decode what the straight decode does (no seek, no frame it may skip)."""
    if index is None or wanted[-1] >= len(index):
        return None
    unique = np.unique(wanted)
    reads = plan_reads(unique, index.keyframes, seek_gap=seek_gap)
    seeks = any(read.seek_to is not None for read in reads)
    skips = codec in SKIP_NONREF_CODECS and len(unique) < unique[-1] + 1
    return reads if seeks or skips else None


def _decode_straight(path: str | os.PathLike, wanted: np.ndarray, picture: _Picture) -> SampledDecode:
    """Decode from the first frame through the last of sorted ``wanted``, counting frames as they come out."""
    out = picture.empty(len(wanted))
    filled = 0
    decoded = 0
    with open_video(path) as (container, stream):
        # One decoding thread: per-video parallelism comes from the process pool (`workers`), and FFmpeg's
        # default of a thread per core in every worker would run workers x cores threads on the cores.
        stream.codec_context.thread_count = 1
        for frame in _frames_skipping_damage(container, stream):
            while filled < len(wanted) and wanted[filled] == decoded:
                out[filled] = picture.rgb(frame)
                filled += 1
            decoded += 1
            if filled == len(wanted):
                break
    if decoded == 0:
        raise VideoError("no decodable video frame")
    if filled == 0:
        raise VideoError(f"only {decoded} frame(s) decodable, fewer than the first sampled index {wanted[0]}")
    out[filled:] = out[filled - 1]
    return SampledDecode(out, reached=decoded, decoded=decoded, seeks=0, method="straight")


def _frames_skipping_damage(container, stream):
    """Decoded frames of ``stream``; a damaged packet is skipped rather than ending the video."""
    for packet in container.demux(stream):
        try:
            yield from packet.decode()
        except av.error.InvalidDataError:
            continue


def _decode_indexed(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    wanted: np.ndarray,
    index: FrameIndex,
    reads: list[Read],
    picture: _Picture,
) -> SampledDecode:
    """Decode sorted ``wanted`` (all within ``index``) by ``reads`` from an open ``container`` standing anywhere.
    Raises InexactSeek on anything that could make a frame differ from the straight decode's."""
    out = picture.empty(len(wanted))

    def keep(i: int, frame: av.VideoFrame) -> None:
        out[wanted == i] = picture.rgb(frame)

    stream.codec_context.thread_count = 1  # see _decode_straight
    stats = decode_by_seeking(container, stream, index, reads, keep)
    return SampledDecode(out, reached=int(wanted[-1]) + 1, decoded=stats.decoded, seeks=stats.seeks, method="indexed")
