"""Benchmark B8: `fvc predict` throughput on 10-second 1080p H.264 clips, and where the time goes.

Writes ``--videos`` clips of 1920x1080, 30 fps, 300 frames, a keyframe every 60 frames (as platforms encode) into a
temporary folder, loads the fold ensemble from ``--models`` (default models/, after `dvc repro`), and times, in the
same run: the whole `score_videos` call (videos/s), then per video the preparation (probe, sampled decode, resize:
``fvc.predict.prepare_clip``), the face track that models trained with ``scale.face_crop`` add (MTCNN on the
sampled frames: ``fvc.clips.face_track_of``) and the models (``fvc.predict.score_clip``, every fold) apart. Each
clip shows a face (skimage's astronaut, 540 px, drifting) over the moving texture.

    python bench/bench_predict.py [--videos 4] [--models models] [--json bench/predict.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import torch
from skimage import data

from fvc.clips import face_track_of
from fvc.predict import load_ensemble, prepare_clip, score_clip, score_videos
from fvc.video import probe_video


def write_clip(path: Path, seed: int, *, width: int = 1920, height: int = 1080, frames: int = 300) -> Path:
    """A smooth moving random texture with a face drifting across it, as 1080p H.264 (GOP 60, 30 fps); fast
    preset: the encode is not measured."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, size=(height // 8, width // 8, 3), dtype=np.uint8).repeat(8, 0).repeat(8, 1)
    face = data.astronaut()[:, :, :3]  # 512 x 512, the face in its upper middle
    face = face.repeat(2, 0).repeat(2, 1)[::2, ::2][:480, 16:496]  # 480 x 480 around the head and shoulders
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30, options={"preset": "ultrafast", "g": "60"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for t in range(frames):
            picture = np.roll(base, 4 * t, axis=1)
            left = 600 + t  # drifts right one pixel a frame
            picture[300:780, left : left + 480] = face
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
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
        prepare = model = faces = 0.0
        found = 0
        face_params = replace(ensemble.scale, face_crop=True)
        frames_only = replace(ensemble.scale, face_crop=False)  # the parts are timed apart, whatever the models used
        for f in files:
            t0 = time.perf_counter()
            clip, _ = prepare_clip(f, frames_only)  # probe, sampled decode, resize; no face track
            t1 = time.perf_counter()
            score_clip(clip, ensemble)
            t2 = time.perf_counter()
            task = {**probe_video(f, max_pixels=1920 * 1080).as_row(), "path": f.name}
            track = face_track_of(task, f.parent, face_params)
            found += int(track.found)
            prepare, model, faces = prepare + t1 - t0, model + t2 - t1, faces + time.perf_counter() - t2
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
        "with_face_crop": {
            "seconds_per_video": round((prepare + model + faces) / args.videos, 3),
            "share_preparing": round(prepare / (prepare + model + faces), 3),
            "share_face_detection": round(faces / (prepare + model + faces), 3),
            "share_models": round(model / (prepare + model + faces), 3),
            "faces_found": f"{found} of {args.videos}",
        },
    }
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
