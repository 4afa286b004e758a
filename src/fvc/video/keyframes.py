"""Where a video's frames and keyframes are, and which keyframes a sampled read seeks to.

Frames are numbered as a straight decode counts them: frame i is the i-th frame the decoder outputs, which for
an intact stream is the frame with the i-th smallest presentation timestamp (pts). ``index_frames`` demuxes every
packet once without decoding (3000 frames of 640x360 H.264: ~8 ms, under 1 % of decoding them) and
``plan_reads`` groups the wanted frames into reads, each starting with a seek to a keyframe or going on from
where the previous read stopped.
"""

from __future__ import annotations

from dataclasses import dataclass

import av
import numpy as np

# Seek when that skips more than this many frames past where decoding stands (plan_reads has the measurement).
SEEK_GAP_FRAMES = 0


@dataclass(frozen=True)
class FrameIndex:
    """The frames of a video stream, from its packets.

    ``pts``: (N,) int64, the presentation timestamp of frame i (stream time base), strictly increasing.
    ``keyframes``: (K,) int64, sorted indices of the frames a decoder can start from after a seek: keyframe
    packets that present after every packet before them in decode order (so nothing shown from there on
    depends on an earlier packet).
    """

    pts: np.ndarray
    keyframes: np.ndarray

    def __len__(self) -> int:
        return len(self.pts)

    def frame_at(self, pts: int | None) -> int | None:
        """The index of the frame presented at ``pts``, or None if no frame of the index has that pts."""
        if pts is None:
            return None
        i = int(np.searchsorted(self.pts, pts))
        return i if i < len(self.pts) and self.pts[i] == pts else None


@dataclass(frozen=True)
class Read:
    """One stretch of a sampled decode: seek to keyframe ``seek_to`` (None: go on from where decoding stands,
    the start of the file for the first read), then decode forward to each of ``frames`` (sorted indices)."""

    seek_to: int | None
    frames: tuple[int, ...]


def index_frames(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> FrameIndex | None:
    """Index the frames of ``stream`` by demuxing all of ``container`` (no decoding; seek before reading again).

    Returns None when frame indices found by timestamp could differ from those a straight decode counts, or
    seeking could not be trusted: the container has no seek index (MPEG-TS, raw streams), a packet lacks a pts,
    two frames share a pts, the first packet is not a keyframe presented first (leading pictures a decoder
    drops at the start), or the demuxer fails on damaged data. Packets an edit list marks as discarded are not
    frames (the decoder drops them too).
    """
    if len(stream.index_entries) == 0:
        return None
    try:
        packets = [(p.pts, p.is_keyframe, p.is_discard) for p in container.demux(stream) if p.size]
    except av.error.FFmpegError:
        return None
    if not packets or any(pts is None for pts, _, _ in packets):
        return None
    all_pts = np.array([pts for pts, _, _ in packets], dtype=np.int64)
    if not packets[0][1] or all_pts[0] != all_pts.min():
        return None
    shown = np.array([not discard for _, _, discard in packets])
    pts = np.sort(all_pts[shown])
    if len(pts) == 0 or np.any(np.diff(pts) <= 0):
        return None
    # A keyframe is a clean start if every packet before it in decode order is shown before it.
    earlier_max = np.maximum.accumulate(np.concatenate([[np.iinfo(np.int64).min], all_pts[:-1]]))
    clean = np.array([key for _, key, _ in packets]) & shown & (all_pts > earlier_max)
    return FrameIndex(pts=pts, keyframes=np.searchsorted(pts, all_pts[clean]).astype(np.int64))


def plan_reads(wanted: np.ndarray, keyframes: np.ndarray, *, seek_gap: int = SEEK_GAP_FRAMES) -> list[Read]:
    """Group sorted, unique ``wanted`` frame indices into reads: a wanted frame starts a new read with a seek to
    the last keyframe at or before it when that skips more than ``seek_gap`` frames past where decoding stands
    (the frame after the previous wanted one; frame 0 before the first); otherwise decoding goes on to it.

    The rule, measured (bench/bench_decode.py --sweep on B3's video: 640x360 H.264, a keyframe every 60 frames,
    3 B-frames, 0.43 ms a frame; best of 5, seconds for uniform samples at a mean gap of 0.07/0.25/0.5/1/1.5/3
    GOPs). A seek lands on the keyframe that decoding on would reach anyway, so going on costs every frame in
    between, while a seek that skips nothing cost -0.23 to +0.08 ms over three runs (noise): seeking pays from
    one skipped frame, hence the default seek_gap 0. Seek gaps 30 and 60 (going on through the same or the next
    GOP) were slower from 0.25 GOP on: 1.107 and 1.125 s against 0.761 s at 1 GOP, 0.694 (gap 60) against
    0.498 s at 1.5 GOPs; seek gap 4 matched 0 within 3 %. Decoding straight through won at no mean gap: the
    indexed decode took 1.510/1.111/0.936/0.761/0.498/0.241 s against 1.625/1.391/1.395/1.347/1.316/1.311 s,
    so decode.py falls back to it only where the indexed way would skip nothing (or cannot be exact).
    """
    starts: list[int | None] = []
    groups: list[list[int]] = []
    position = 0
    for frame in (int(f) for f in wanted):
        k = int(np.searchsorted(keyframes, frame, side="right")) - 1
        keyframe = int(keyframes[k]) if k >= 0 else -1
        if keyframe - position > seek_gap:
            starts.append(keyframe)
            groups.append([])
        elif not groups:
            starts.append(None)
            groups.append([])
        groups[-1].append(frame)
        position = frame + 1
    return [Read(seek_to=start, frames=tuple(group)) for start, group in zip(starts, groups, strict=True)]
