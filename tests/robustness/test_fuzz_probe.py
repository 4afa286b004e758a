"""Fuzzing probe_video (and read_frames after it) with seeded byte mutations of valid tiny videos."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.robustness.fuzz import base_video, mutants
from tests.robustness.hostile import require_encoder

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("codec", ["libx264", "libvpx-vp9"])
def test_mutants_probe_or_raise_video_error(codec: str) -> None:
    require_encoder(codec)
    # A child process with a time limit: a mutant that hangs the demuxer fails the test instead of the run.
    out = subprocess.run(
        [sys.executable, "-m", "tests.robustness.fuzz", codec, "--count", "150", "--seed", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["unexpected"] == []
    assert sum(report["outcomes"].values()) == 150
    # Both kinds of outcome occur, or the mutations are too weak (or too strong) to test anything.
    assert report["outcomes"].get("read", 0) > 0 and report["outcomes"].get("probe: VideoError", 0) > 0


@pytest.mark.parametrize("codec", ["libx264", "libvpx-vp9"])
def test_base_video_is_byte_stable(tmp_path: Path, codec: str) -> None:
    require_encoder(codec)
    # Two encodes in one process: the first x264 encode of a process used to differ from later ones.
    assert base_video(tmp_path, codec).read_bytes() == base_video(tmp_path, codec).read_bytes()


def test_mutants_are_a_function_of_the_seed() -> None:
    data = bytes(range(256)) * 4
    assert list(mutants(data, 20, seed=3)) == list(mutants(data, 20, seed=3))
    assert list(mutants(data, 20, seed=3)) != list(mutants(data, 20, seed=4))
