"""Decoding planned reads (keyframes.plan_reads) by seeking, with every frame identified by its timestamp.

Reads run in segments: a segment seeks to a keyframe (the first one: to the start of the file) and decodes
forward through the frames of its reads; once the packets of all its wanted frames are in, the decoder is
drained rather than fed the packets that B-frame reordering would otherwise need before it lets them out.

Anything that could make a frame differ from the one a straight decode gives at that index raises InexactSeek,
and the caller decodes straight through instead: a seek that lands only past the wanted keyframe or not on a
clean one, a packet that does not decode, a frame whose pts is not in the index, a frame out of order, or a
frame sent to the decoder that never comes out.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import av

from fvc.video.keyframes import FrameIndex, Read

# Codecs whose non-reference frames change no other frame's decoding: a seeking read skips those it does not
# want. Not VP9 (every frame carries probability and motion-vector context into the next) nor HEVC (a
# "sub-layer non-reference" picture can be referenced by a higher temporal layer): those decode every frame.
SKIP_NONREF_CODECS = frozenset({"h264", "mpeg4"})
# Seeks tried to land exactly on a keyframe before settling for an earlier one (a seek costs ~0.03 ms).
MAX_PROBES = 16


class InexactSeek(Exception):
    """A seeking read met something that could make its frames differ from a straight decode's."""


@dataclass
class SeekStats:
    """What a seeking read did: ``decoded`` frames output by the decoder, ``seeks`` reads that began with a seek,
    ``probes`` demuxer seeks made to land on keyframes, ``early`` seeks that settled for an earlier keyframe."""

    decoded: int = 0
    seeks: int = 0
    probes: int = 0
    early: int = 0


def decode_by_seeking(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    index: FrameIndex,
    reads: list[Read],
    keep: Callable[[int, av.VideoFrame], None],
) -> SeekStats:
    """Decode the frames of ``reads`` from ``stream`` (indexed by ``index``; the container may stand anywhere),
    calling ``keep(i, frame)`` for each wanted frame i, in order. Raises InexactSeek on anything unexpected."""
    stats = SeekStats()
    seeker = _Seeker(container, stream, index, stats)
    skip_nonref = stream.codec_context.name in SKIP_NONREF_CODECS
    for segment in _segments(reads):
        keyframe = segment[0].seek_to
        start, packets = seeker.seek(0 if keyframe is None else keyframe)
        stats.seeks += keyframe is not None
        targets = [f for read in segment for f in read.frames]
        frames = _indexed_frames(packets, stream, index, start, targets, skip_nonref, stats)
        try:
            for target in targets:
                keep(target, _advance_to(frames, target))
        finally:
            frames.close()
    return stats


def _segments(reads: list[Read]) -> list[list[Read]]:
    """``reads`` split before every read that seeks: each segment is decoded forward from one position."""
    segments: list[list[Read]] = []
    for read in reads:
        if read.seek_to is not None or not segments:
            segments.append([])
        segments[-1].append(read)
    return segments


class _Seeker:
    """Seeks a container to given keyframes of its index, learning how the demuxer's seek timestamps relate to
    the frames' pts (mp4 with an edit list seeks by shifted decode times, AVI by decode times)."""

    def __init__(self, container, stream, index: FrameIndex, stats: SeekStats) -> None:
        self.container, self.stream, self.index, self.stats = container, stream, index, stats
        self.clean = frozenset(index.keyframes.tolist())
        self.bias = 0  # the timestamp that landed on the last keyframe, minus its pts

    def seek(self, k: int) -> tuple[int, Iterator[av.Packet]]:
        """Seek to keyframe ``k`` (0: the start): (the keyframe landed on, the packets from it on). That is ``k``,
        or the nearest earlier clean keyframe the demuxer lands on if none of MAX_PROBES timestamps lands on ``k``
        (slower, still exact). Raises InexactSeek if every timestamp tried lands past ``k`` or off a keyframe."""
        pts = self.index.pts
        below: tuple[int, int] | None = None  # (timestamp, keyframe) of the closest landing before k
        low: int | None = None  # the largest timestamp that landed before k or was refused
        high: int | None = None  # the smallest timestamp that landed past k
        ts = int(pts[k]) + self.bias
        for _ in range(MAX_PROBES):
            landing = self._probe(ts)
            if landing is not None and landing[0] == k:
                self.bias = ts - int(pts[k])
                return landing
            if landing is None or landing[0] < k:
                low = ts if low is None else max(low, ts)
                if landing is not None:
                    below = max(below or (ts, landing[0]), (ts, landing[0]))
            else:
                high = ts if high is None else min(high, ts)
            if low is not None and high is not None:
                if high - low <= 1:
                    break
                ts = (low + high) // 2
            elif landing is None:
                break
            elif high is None:  # landed early: move up by how far short it fell
                ts += max(1, int(pts[k] - pts[landing[0]]))
            else:
                ts -= max(1, int(pts[landing[0]] - pts[k]))
        if below is None:
            raise InexactSeek
        self.stats.early += 1
        landing = self._probe(below[0])
        if landing is None or landing[0] != below[1]:
            raise InexactSeek
        return landing

    def _probe(self, ts: int) -> tuple[int, Iterator[av.Packet]] | None:
        """Seek to ``ts`` (backward, to a keyframe) and read the first packet: (the index it starts, the packets
        from it on), or None if the demuxer refuses the timestamp. A keyframe before the first shown frame
        (hidden by an edit list) is the start, 0. Raises InexactSeek if it lands off a clean keyframe."""
        self.stats.probes += 1
        try:
            self.container.seek(ts, stream=self.stream, backward=True, any_frame=False)
        except av.error.FFmpegError:
            return None
        try:
            packets = self.container.demux(self.stream)
            first = next((p for p in packets if p.size), None)
        except av.error.FFmpegError:
            raise InexactSeek from None
        if first is None or first.pts is None or not first.is_keyframe:
            raise InexactSeek
        landed = self.index.frame_at(first.pts)
        if landed is None and first.pts < self.index.pts[0]:
            landed = 0
        elif landed not in self.clean:
            raise InexactSeek
        return landed, itertools.chain([first], packets)


def _advance_to(frames: Iterator[tuple[int, av.VideoFrame]], target: int) -> av.VideoFrame:
    """Pull (index, frame) pairs until frame ``target``; InexactSeek if it is passed over or never comes."""
    for i, frame in frames:
        if i == target:
            return frame
        if i > target:
            break
    raise InexactSeek


def _indexed_frames(
    packets: Iterable[av.Packet],
    stream: av.video.stream.VideoStream,
    index: FrameIndex,
    start: int,
    targets: list[int],
    skip_nonref: bool,
    stats: SeekStats,
) -> Iterator[tuple[int, av.VideoFrame]]:
    """(index, frame) of the frames decoded from ``packets`` (which begin at keyframe ``start``), in order, until
    the decoder is drained once every frame of ``targets`` has been sent to it. Unwanted non-reference frames
    are not decoded when ``skip_nonref``; frames shown before ``start`` (leading pictures of the keyframe) are
    passed over. Raises InexactSeek if a packet does not decode, a frame's pts is not in ``index``, or a frame
    comes out of order or is dropped by the decoder."""
    context = stream.codec_context
    wanted = frozenset(int(index.pts[t]) for t in targets)
    unsent = set(wanted)
    sent: set[int | None] = set()  # frames sent to be decoded (not skipped)
    expected = start
    for packet in packets:
        if packet.size:  # the empty packets at the end of the file flush the decoder
            want = packet.pts in wanted
            if skip_nonref:
                context.skip_frame = "DEFAULT" if want else "NONREF"
            if want or not skip_nonref:  # a skipped frame may still be decoded (if it is a reference)
                sent.add(index.frame_at(packet.pts))
            unsent.discard(packet.pts)
        try:
            decoded = packet.decode()
            if not unsent:
                decoded += context.decode(None)  # drain: every wanted frame is in
        except av.error.FFmpegError:
            raise InexactSeek from None
        for frame in decoded:
            stats.decoded += 1
            i = index.frame_at(frame.pts)
            if i is None or frame.is_corrupt:
                raise InexactSeek
            if i < start:
                continue
            if i < expected or any(j in sent for j in range(expected, i)):
                raise InexactSeek
            expected = i + 1
            yield i, frame
        if not unsent:
            return
