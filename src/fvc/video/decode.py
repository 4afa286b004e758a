"""Streaming decode of sampled frames with PyAV: only the wanted frames, already resized, are kept."""

from __future__ import annotations

import os

import av
import numpy as np

from fvc.video.probe import VideoError, open_video

INTERPOLATIONS = {"area": "AREA", "bilinear": "BILINEAR"}


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
    video's length. ``rotation`` (counter-clockwise degrees, from probing) is applied after resizing.
    Indices past the last decodable frame repeat the last decoded one. Returns (frames (T, H, W, 3) uint8,
    the number of frames decoded). Raises VideoError if no frame decodes.
    """
    wanted = np.asarray(indices, dtype=np.int64)
    # Resize in the coded orientation, then rotate: a 90/270 rotation swaps the sides.
    coded_h, coded_w = (width, height) if rotation in (90, 270) else (height, width)
    interp = INTERPOLATIONS[interpolation]
    out = np.zeros((len(wanted), height, width, 3), dtype=np.uint8)
    filled = 0
    decoded = 0
    with open_video(path) as (container, stream):
        # One decoding thread: per-video parallelism comes from the process pool (`workers`), and FFmpeg's
        # default of a thread per core in every worker would run workers x cores threads on the cores.
        stream.codec_context.thread_count = 1
        for frame in _frames_skipping_damage(container, stream):
            while filled < len(wanted) and wanted[filled] == decoded:
                rgb = frame.reformat(width=coded_w, height=coded_h, format="rgb24", interpolation=interp)
                out[filled] = np.rot90(rgb.to_ndarray(), k=rotation // 90) if rotation else rgb.to_ndarray()
                filled += 1
            decoded += 1
            if filled == len(wanted):
                break
    if decoded == 0:
        raise VideoError("no decodable video frame")
    if filled == 0:
        raise VideoError(f"only {decoded} frame(s) decodable, fewer than the first sampled index {wanted[0]}")
    out[filled:] = out[filled - 1]
    return out, decoded


def _frames_skipping_damage(container, stream):
    """Decoded frames of ``stream``; a damaged packet is skipped rather than ending the video."""
    for packet in container.demux(stream):
        try:
            yield from packet.decode()
        except av.error.InvalidDataError:
            continue
