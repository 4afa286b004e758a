"""Keyframe-aware sampled decoding: the indexed way returns exactly the frames a straight decode returns.

Every video here shows its frame number as a row of black/white blocks, so a frame returned at the wrong index
cannot pass for the right one. The reference is a plain PyAV decode of every frame, converted as fvc does.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from fvc.video import read_frames, sample_frame_indices
from fvc.video.decode import decode_sampled
from fvc.video.keyframes import Read, index_frames, plan_reads
from fvc.video.probe import open_video
from fvc.video.seeking import decode_by_seeking

W, H, N, GOP = 64, 48, 120, 12
X264 = "keyint=12:min-keyint=12:scenecut=0:bframes=3"


def numbered_frame(t: int, base: np.ndarray) -> np.ndarray:
    """Frame ``t``: ``base`` panned by t, with t's 8 bits as 8x8 blocks along the top."""
    img = np.roll(base, 3 * t, axis=1).copy()
    for bit in range(8):
        img[:8, 8 * bit : 8 * bit + 8] = 255 if (t >> bit) & 1 else 0
    return img


def write_numbered(
    path: Path,
    codec: str,
    *,
    options: dict[str, str] | None = None,
    gop: int = GOP,
    max_b_frames: int | None = None,
    pts: Callable[[int], int] | None = None,
    time_base: Fraction | None = None,
) -> Path:
    """Write ``N`` numbered frames of W x H with ``codec``; ``pts(t)`` in ``time_base`` sets each frame's time."""
    base = np.random.default_rng(0).integers(0, 256, size=(H, W, 3), dtype=np.uint8)
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=25, options=options or {})
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.codec_context.gop_size = gop
        if max_b_frames is not None:
            stream.codec_context.max_b_frames = max_b_frames
        if time_base is not None:
            stream.codec_context.time_base = time_base
        for t in range(N):
            frame = av.VideoFrame.from_ndarray(numbered_frame(t, base), format="rgb24")
            if pts is not None:
                frame.pts, frame.time_base = pts(t), time_base
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


VIDEOS = {
    "h264_bframes_mp4": lambda p: write_numbered(p / "v.mp4", "libx264", options={"x264-params": X264}),
    "hevc_mp4": lambda p: write_numbered(
        p / "v.mp4", "libx265", options={"x265-params": "keyint=12:min-keyint=12:scenecut=0:log-level=error"}
    ),
    "vp9_webm": lambda p: write_numbered(p / "v.webm", "libvpx-vp9", options={"row-mt": "0", "deadline": "realtime"}),
    "mpeg4_mp4": lambda p: write_numbered(p / "v.mp4", "mpeg4", max_b_frames=2),
    "mpeg4_avi": lambda p: write_numbered(p / "v.avi", "mpeg4", max_b_frames=2),
    # Irregular frame times (20-74 ms apart) starting at 0.5 s: an mp4 with an edit list that delays the start.
    "vfr_h264_mp4": lambda p: write_numbered(
        p / "v.mp4",
        "libx264",
        options={"x264-params": X264},
        pts=lambda t: 500 + 40 * t + 17 * (t % 3),
        time_base=Fraction(1, 1000),
    ),
    # The first 3 frames have negative times: the mp4's edit list hides them (the decoder drops them).
    "edit_list_mp4": lambda p: write_numbered(
        p / "v.mp4", "libx264", options={"x264-params": X264}, pts=lambda t: t - 3, time_base=Fraction(1, 25)
    ),
    "start_offset_mkv": lambda p: write_numbered(
        p / "v.mkv", "libx264", options={"x264-params": X264}, pts=lambda t: 1000 + 40 * t, time_base=Fraction(1, 1000)
    ),
}

PATTERNS = {
    "spread": lambda n: sample_frame_indices(n, 6),
    "snippets": lambda n: sample_frame_indices(n, 8, snippet=4),
    "dense": lambda n: np.arange(20, 60, 3),
    "first": lambda n: np.array([0]),
    "last": lambda n: np.array([n - 1]),
    "first_and_last": lambda n: np.array([0, n - 1]),
    "repeats": lambda n: np.array([5, 5, 40, 40, 41]),
    **{
        f"random_{size}": lambda n, size=size: np.sort(np.random.default_rng(size).choice(n, size, replace=False))
        for size in (3, 10, 40)
    },
}


@pytest.fixture(scope="module", params=sorted(VIDEOS))
def video(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    """(path, every frame as a plain PyAV decode gives it, converted as fvc converts) for each kind of video."""
    folder = tmp_path_factory.mktemp(request.param)
    try:
        path = VIDEOS[request.param](folder)
    except (av.error.FFmpegError, ValueError) as err:  # an encoder this FFmpeg build lacks
        pytest.skip(f"cannot write {request.param}: {err}")
    return path, reference_frames(path)


def reference_frames(path: Path) -> np.ndarray:
    """Every frame of ``path``, decoded by PyAV in order and converted to W x H RGB with area interpolation."""
    with av.open(str(path)) as container:
        frames = [
            f.reformat(width=W, height=H, format="rgb24", interpolation="AREA").to_ndarray()
            for f in container.decode(video=0)
        ]
    return np.stack(frames)


def decode(path: Path, wanted: np.ndarray, **kwargs):
    return decode_sampled(path, wanted, height=H, width=W, **kwargs)


@pytest.mark.parametrize("pattern", sorted(PATTERNS))
def test_indexed_decode_equals_straight_decode_bit_for_bit(video, pattern: str) -> None:
    path, reference = video
    wanted = PATTERNS[pattern](len(reference))
    indexed = decode(path, wanted, seek_gap=0)
    straight = decode(path, wanted, seek_gap=None)
    assert np.array_equal(straight.frames, reference[wanted])
    assert np.array_equal(indexed.frames, reference[wanted])
    assert indexed.reached == straight.reached == wanted[-1] + 1


def test_every_kind_of_video_takes_the_indexed_way_for_sparse_frames(video) -> None:
    path, reference = video
    result = decode(path, np.array([len(reference) - 1]))
    assert result.method == "indexed" and result.seeks == 1
    assert result.decoded <= 2 * GOP  # from the last keyframe, not from the start


def test_sparse_frames_seek_and_decode_a_fraction_of_the_video(tmp_path: Path) -> None:
    path = VIDEOS["h264_bframes_mp4"](tmp_path)
    result = decode(path, sample_frame_indices(N, 4))
    assert result.method == "indexed" and result.seeks == 4
    assert result.decoded < N // 3


def test_consecutive_frames_decode_straight(tmp_path: Path) -> None:
    # Nothing to seek past or skip: the indexed way would decode exactly what the straight decode does.
    path = VIDEOS["h264_bframes_mp4"](tmp_path)
    result = decode(path, np.arange(30))
    assert result.method == "straight" and result.seeks == 0 and result.decoded == 30


def test_dense_frames_of_a_codec_without_skippable_frames_decode_straight(tmp_path: Path) -> None:
    # Every other frame, the frame before each keyframe among them: a seek would skip nothing, and VP9 decodes
    # every frame from a keyframe on.
    path = VIDEOS["vp9_webm"](tmp_path)
    result = decode(path, np.arange(1, N, 2))
    assert result.method == "straight" and result.decoded == N


def test_dense_h264_frames_skip_unwanted_non_reference_frames_without_seeking(tmp_path: Path) -> None:
    path = VIDEOS["h264_bframes_mp4"](tmp_path)
    result = decode(path, np.arange(1, N, 2))
    assert result.method == "indexed" and result.seeks == 0 and result.decoded < N


def test_read_frames_keeps_its_signature_and_reports_how_far_it_reached(tmp_path: Path) -> None:
    path = VIDEOS["h264_bframes_mp4"](tmp_path)
    frames, reached = read_frames(path, np.array([10, 100]), height=H, width=W)
    assert frames.shape == (2, H, W, 3) and frames.dtype == np.uint8
    assert reached == 101
    assert np.array_equal(frames, reference_frames(path)[[10, 100]])


def test_mpeg_ts_has_no_index_and_decodes_straight(tmp_path: Path) -> None:
    path = write_numbered(tmp_path / "v.ts", "libx264", options={"x264-params": X264})
    with open_video(path) as (container, stream):
        assert index_frames(container, stream) is None
    result = decode(path, np.array([N - 1]))
    assert result.method == "straight" and result.decoded == N


def test_index_skips_frames_an_edit_list_hides(tmp_path: Path) -> None:
    path = VIDEOS["edit_list_mp4"](tmp_path)
    with open_video(path) as (container, stream):
        index = index_frames(container, stream)
    assert index is not None and len(index) == N - 3 == len(reference_frames(path))
    assert index.keyframes.tolist() == list(range(GOP - 3, N - 3, GOP))  # the first keyframe is hidden


@pytest.mark.parametrize("kind", ["h264_bframes_mp4", "vfr_h264_mp4", "edit_list_mp4", "start_offset_mkv", "mpeg4_avi"])
def test_seeks_land_on_the_planned_keyframe(kind: str, tmp_path: Path) -> None:
    # mp4 with an edit list seeks by shifted decode times and AVI by decode times: the seeker finds the timestamp.
    path = VIDEOS[kind](tmp_path)
    with open_video(path) as (container, stream):
        index = index_frames(container, stream)
        reads = [Read(seek_to=int(k), frames=(min(int(k) + 1, len(index) - 1),)) for k in index.keyframes[1:]]
        stats = decode_by_seeking(container, stream, index, reads, keep=lambda i, frame: None)
    assert stats.seeks == len(reads) and stats.early == 0


def test_damage_inside_a_decoded_stretch_falls_back_to_the_straight_decode(tmp_path: Path) -> None:
    path = VIDEOS["h264_bframes_mp4"](tmp_path)
    with av.open(str(path)) as container:
        packets = [(p.pos, p.size, p.pts) for p in container.demux(container.streams.video[0]) if p.size]
    ordered = sorted(pts for _, _, pts in packets)
    pos, size, _ = next(p for p in packets if ordered.index(p[2]) == 49)  # a frame of the GOP at 48
    data = bytearray(path.read_bytes())
    data[pos : pos + size] = bytes(size)
    path.write_bytes(bytes(data))
    wanted = np.array([50, 51, 52, 53])
    result = decode(path, wanted)
    assert result.method == "straight"
    assert np.array_equal(result.frames, decode(path, wanted, seek_gap=None).frames)


def test_plan_seeks_only_where_it_skips_frames() -> None:
    keyframes = np.array([0, 10, 20, 30])
    assert plan_reads(np.array([3, 5, 25, 26, 28]), keyframes, seek_gap=0) == [
        Read(seek_to=None, frames=(3, 5)),
        Read(seek_to=20, frames=(25, 26, 28)),
    ]
    # Frame 10 is next after 9: decoding on reaches keyframe 10 without skipping anything.
    assert plan_reads(np.array([9, 10]), keyframes, seek_gap=0) == [Read(seek_to=None, frames=(9, 10))]


def test_plan_decodes_on_while_a_seek_skips_no_more_than_the_gap() -> None:
    keyframes = np.array([0, 10, 20, 30])
    assert plan_reads(np.array([2, 24]), keyframes, seek_gap=17) == [Read(seek_to=None, frames=(2, 24))]
    assert plan_reads(np.array([2, 24]), keyframes, seek_gap=16) == [
        Read(seek_to=None, frames=(2,)),
        Read(seek_to=20, frames=(24,)),
    ]
