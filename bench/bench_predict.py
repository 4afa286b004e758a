"""Benchmark B8: `fvc predict` throughput on 10-second 1080p H.264 clips, and where the time goes.

Writes ``--videos`` clips of 1920x1080, 30 fps, 300 frames, a keyframe every 60 frames (as platforms encode) into a
temporary folder, loads the fold ensemble from ``--models`` (default models/, after `dvc repro`), and times, in the
same run: the whole `score_videos` call (videos/s), then per video the preparation (probe, sampled decode, resize:
``fvc.predict.prepare_clip``) and the models (``fvc.predict.score_clip``, every fold) apart. Face detection is not
part of the pipeline yet, so it takes no time here.

    python bench/bench_predict.py [--videos 4] [--models models] [--json bench/predict.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import av
import numpy as np
import torch

from fvc.predict import load_ensemble, prepare_clip, score_clip, score_videos


def write_clip(path: Path, seed: int, *, width: int = 1920, height: int = 1080, frames: int = 300) -> Path:
    """A smooth moving random texture as 1080p H.264 (GOP 60, 30 fps); fast preset: the encode is not measured."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, size=(height // 8, width // 8, 3), dtype=np.uint8).repeat(8, 0).repeat(8, 1)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30, options={"preset": "ultrafast", "g": "60"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for t in range(frames):
            frame = av.VideoFrame.from_ndarray(np.roll(base, 4 * t, axis=1), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", type=int, default=4)
    parser.add_argument("--models", default="models")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    ensemble = load_ensemble(args.models, device=torch.device("cpu"))
    with tempfile.TemporaryDirectory() as tmp:
        files = [write_clip(Path(tmp) / f"clip{i}.mp4", i) for i in range(args.videos)]
        started = time.perf_counter()
        rows = score_videos(files, ensemble)
        total = time.perf_counter() - started
        assert all("p_fake" in r for r in rows), rows
        prepare = model = 0.0
        for f in files:
            t0 = time.perf_counter()
            clip = prepare_clip(f, ensemble.scale)
            t1 = time.perf_counter()
            score_clip(clip, ensemble)
            prepare, model = prepare + t1 - t0, model + time.perf_counter() - t1
    result = {
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "cpus": os.cpu_count(),
        "torch": torch.__version__,
        "av": av.__version__,
        "videos": args.videos,
        "folds": len(ensemble.networks),
        "clip": f"{ensemble.scale.frames} frames, max side {ensemble.scale.max_dim}",
        "videos_per_s": round(args.videos / total, 3),
        "seconds_per_video": round(total / args.videos, 3),
        "share_preparing": round(prepare / (prepare + model), 3),
        "share_models": round(model / (prepare + model), 3),
        "share_face_detection": 0.0,
    }
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
