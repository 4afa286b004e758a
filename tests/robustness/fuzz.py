"""Seeded byte-level fuzzing of the video readers; run as ``python -m tests.robustness.fuzz`` (a child process,
so a hang is a timeout rather than a stuck test run).

Each mutant of a valid tiny video gets 1 to 4 edits (flip a bit, insert 1-8 random bytes, delete 1-8 bytes).
It must probe or raise VideoError; one that probes must also read (scale's path) or raise VideoError.
Prints one JSON object: counts per outcome and the unexpected exceptions, if any. The base video is encoded
byte-identically run to run (x264 asm=0, VP9 row-mt=0, bitexact muxing: fvc.synth.encode), so the mutants are a
function of the seed alone.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np

from fvc.video import VideoError, probe_video, read_frames, sample_frame_indices

BITEXACT = {"libx264": {"x264-params": "asm=0", "threads": "1"}, "libvpx-vp9": {"row-mt": "0", "threads": "1"}}
SUFFIX = {"libx264": ".mp4", "libvpx-vp9": ".webm"}


def base_video(folder: Path, codec: str) -> Path:
    """A valid 32x24, 6-frame video whose bytes do not change between runs (for one set of package versions)."""
    path = folder / f"base{SUFFIX[codec]}"
    rng = np.random.default_rng(0)
    with av.open(str(path), "w", container_options={"fflags": "+bitexact"}) as container:
        stream = container.add_stream(codec, rate=10, options=BITEXACT[codec])
        stream.width, stream.height, stream.pix_fmt = 32, 24, "yuv420p"
        base = rng.integers(0, 256, size=(24, 32, 3), dtype=np.uint8)
        for t in range(6):
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.roll(base, t, axis=1), format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def mutants(data: bytes, count: int, seed: int) -> Iterator[bytes]:
    """``count`` mutants of ``data``, a pure function of ``seed``."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        buf = bytearray(data)
        for _ in range(int(rng.integers(1, 5))):
            op, pos = int(rng.integers(3)), int(rng.integers(len(buf)))
            if op == 0:
                buf[pos] ^= 1 << int(rng.integers(8))
            elif op == 1:
                buf[pos:pos] = rng.integers(0, 256, int(rng.integers(1, 9)), dtype=np.uint8).tobytes()
            else:
                del buf[pos : pos + int(rng.integers(1, 9))]
        yield bytes(buf)


def fuzz(codec: str, count: int, seed: int) -> dict:
    """Probe (and read) ``count`` mutants of ``codec``'s base video; counts per outcome, unexpected errors."""
    outcomes: Counter[str] = Counter()
    unexpected = []
    with tempfile.TemporaryDirectory() as tmp:
        base = base_video(Path(tmp), codec)
        path = Path(tmp) / f"mutant{base.suffix}"
        for i, data in enumerate(mutants(base.read_bytes(), count, seed)):
            path.write_bytes(data)
            stage = "probe"
            try:
                probe = probe_video(path, max_pixels=10**6)
                stage = "read"
                indices = sample_frame_indices(probe.frame_count, 8, 4)
                read_frames(path, indices, height=32, width=32, rotation=probe.rotation)
                outcomes["read"] += 1
            except VideoError:
                outcomes[f"{stage}: VideoError"] += 1
            except Exception as err:  # noqa: BLE001 - the point is to report any other type
                unexpected.append(f"mutant {i} ({stage}): {type(err).__name__}: {err}")
    return {"outcomes": dict(outcomes), "unexpected": unexpected}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("codec", choices=sorted(BITEXACT))
    parser.add_argument("--count", type=int, default=150)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    av.logging.set_level(None)  # FFmpeg complains about every mutant on stderr
    print(json.dumps(fuzz(args.codec, args.count, args.seed)))


if __name__ == "__main__":
    main()
