"""SIGKILL during a per-video stage: no partial file is ever visible, and the rerun completes as a clean run."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

from fvc.corpus.ingest import ingest

# Runs scale_corpus with one worker; the third clip's write stops half-way with a SIGKILL, as a killed job would.
RUNNER = textwrap.dedent(
    """
    import os, signal, sys
    import numpy as np
    import polars as pl
    import fvc.clips as scale

    videos, out_dir, kill = pl.read_parquet(sys.argv[1]), sys.argv[2], sys.argv[3] == "kill"
    saved = []
    real_save = np.save

    def dying_save(fh, array):
        saved.append(1)
        if kill and len(saved) == 3:
            fh.write(b"\\x93NUMPY partial")
            fh.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        real_save(fh, array)

    scale.np.save = dying_save
    params = scale.ScaleParams(frames=4, snippet=2, max_dim=64, multiple_of=16, interpolation="area", letterbox=False)
    clips, rejects, computed = scale.scale_corpus(videos, params=params, root=sys.argv[4], out_dir=out_dir, workers=1)
    print(computed)
    """
)


def _scale(videos: Path, out_dir: Path, root: Path, kill: bool) -> subprocess.CompletedProcess:
    args = [sys.executable, "-c", RUNNER, str(videos), str(out_dir), "kill" if kill else "run", str(root)]
    return subprocess.run(args, capture_output=True, text=True)


def test_scale_killed_mid_write_leaves_only_whole_clips_and_the_rerun_completes(
    tmp_path: Path, small_corpus: Path
) -> None:
    index = tmp_path / "videos.parquet"
    ingest(small_corpus, max_pixels=10**7, workers=1).videos.write_parquet(index)
    killed_dir, clean_dir = tmp_path / "killed", tmp_path / "clean"

    killed = _scale(index, killed_dir, small_corpus.parent, kill=True)
    assert killed.returncode == -signal.SIGKILL
    finished = sorted(killed_dir.glob("*.npy"))
    assert len(finished) == 2  # the two clips written before the kill, each complete
    for clip in finished:
        assert np.load(clip).shape[0] == 4
    assert [p.name for p in killed_dir.iterdir() if p.suffix != ".npy"]  # the partial write is a hidden temporary

    rerun = _scale(index, killed_dir, small_corpus.parent, kill=False)
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.split()[-1] == "6"  # 8 videos, 2 reused
    clean = _scale(index, clean_dir, small_corpus.parent, kill=False)
    assert clean.returncode == 0, clean.stderr
    assert sorted(p.name for p in killed_dir.iterdir()) == sorted(p.name for p in clean_dir.iterdir())
    for clip in clean_dir.iterdir():
        assert clip.read_bytes() == (killed_dir / clip.name).read_bytes()
