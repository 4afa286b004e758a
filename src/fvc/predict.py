"""``fvc predict``: score new videos with the trained fold ensemble (``models/fold_k/best.pt``).

Every fold's checkpoint carries its params record (fvc.train.runner): the model, its options, the threshold and the
scale params. A video is probed, turned into a clip by ``fvc.clips.clip_of`` (the very preprocessing of the scale
stage), and scored by every fold's model; p_fake is the mean over folds. No DVC, training data or params.yaml needed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from fvc.checkpoint import read_checkpoint
from fvc.clips import ScaleParams, framed_clip_of
from fvc.errors import FvcError
from fvc.models.registry import build_model, model_kind
from fvc.pervideo.engine import reject_reason
from fvc.train.clip_model import autocast_dtype
from fvc.video import VideoError, probe_video

T = TypeVar("T")
R = TypeVar("R")
VIDEO_EXTENSIONS = (".mp4", ".webm", ".mkv", ".avi", ".mov", ".m4v")  # what a folder argument expands to
MAX_PIXELS = 4096 * 2160  # params.yaml's ingest.max_pixels: predict runs without params.yaml, refuse the same files
_AGREE = ("model", "model_options", "scale", "threshold")  # what every fold of one ensemble must share


@dataclass(frozen=True)
class Ensemble:
    """The fold models of one training run, in eval mode on ``device``, and how to prepare their input."""

    model: str  # train.model
    checkpoints: list[Path]  # fold_k/best.pt, by fold
    networks: list[nn.Module]
    scale: ScaleParams
    threshold: float  # p_fake at or above it is called fake (train.threshold)
    amp_dtype: torch.dtype | None  # autocast as the fold scored its test videos (train.amp)
    device: torch.device


def load_ensemble(models_dir: str | os.PathLike, device: torch.device | None = None) -> Ensemble:
    """Load every ``fold_*/best.pt`` under ``models_dir`` (weights_only) onto ``device`` (default: CUDA if any).

    Raises FvcError (one line) for a folder without checkpoints, a fold folder without best.pt, a feature
    baseline, a checkpoint without a params record or scale params, or folds whose model, model options, scale
    params or threshold disagree.
    """
    models_dir = Path(models_dir)
    device = device or torch.device("cuda" if torch.cuda.is_available() else "cpu")
    folds = sorted(
        (d for d in models_dir.glob("fold_*") if d.is_dir()), key=lambda d: (len(d.name), d.name)
    )  # fold_10 after fold_9
    if not folds:
        raise FvcError(f"{models_dir}: no fold_*/best.pt checkpoint; train first (dvc repro) or pass --models DIR")
    for fold in folds:
        if (fold / "baseline.json").exists():
            raise FvcError(f"{fold}: a feature baseline (baseline.json); fvc predict scores clip models only")
        if not (fold / "best.pt").exists():
            raise FvcError(f"{fold}: no best.pt; train this fold (dvc repro) or remove the folder")
    records, networks = [], []
    for fold in folds:
        record, network = _load_fold(fold / "best.pt", device)
        records.append(record)
        networks.append(network)
    first = records[0]
    for fold, record in zip(folds[1:], records[1:], strict=True):
        for key in _AGREE:
            if record[key] != first[key]:
                raise FvcError(
                    f"{fold / 'best.pt'}: {key} = {record[key]!r} disagrees with {folds[0] / 'best.pt'}"
                    f" ({first[key]!r}); an ensemble's folds must come from one training run"
                )
    return Ensemble(
        model=first["model"],
        checkpoints=[fold / "best.pt" for fold in folds],
        networks=networks,
        scale=ScaleParams(**first["scale"]),
        threshold=float(first["threshold"]),
        amp_dtype=autocast_dtype(first["amp"], device),
        device=device,
    )


def _load_fold(path: Path, device: torch.device) -> tuple[dict, nn.Module]:
    """(what the ensemble must agree on, the fold's network in eval mode) from one checkpoint."""
    state = read_checkpoint(path)
    params = state.get("params") if isinstance(state, dict) else None
    if not isinstance(params, dict) or not isinstance(params.get("train"), dict) or "state_dict" not in state:
        raise FvcError(f"{path}: not an fvc training checkpoint (no params record or state_dict)")
    train, name = params["train"], params["train"].get("model")
    if name is None or model_kind(name) != "clip":
        raise FvcError(f"{path}: train.model = {name!r} is not a clip model; fvc predict scores clip models only")
    if not isinstance(params.get("scale"), dict):
        raise FvcError(f"{path}: no scale params in the checkpoint (trained before fvc predict); retrain the fold")
    scale = ScaleParams(**params["scale"])
    options = params.get("model_options") or {}
    network = build_model(name, dropout=train["dropout"], snippet=scale.snippet, **options)
    try:
        network.load_state_dict(state["state_dict"])
    except RuntimeError as err:
        raise FvcError(f"{path}: weights do not fit {name} with {options}: {str(err).splitlines()[0]}") from None
    record = {
        "model": name,
        "model_options": options,
        "scale": params["scale"],
        "threshold": train["threshold"],
        "amp": train.get("amp", "off"),
    }
    return record, network.to(device).eval()


def video_files(paths: Sequence[str | os.PathLike]) -> list[Path]:
    """The files to score: each path as given, a folder expanded to its video files (VIDEO_EXTENSIONS, any depth,
    sorted). A missing path stays in the list (scoring reports it)."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(f for f in path.rglob("*") if f.is_file() and f.suffix.lower() in VIDEO_EXTENSIONS)
        else:
            files.append(path)
    return files


def prepare_clip(path: Path, scale: ScaleParams) -> tuple[np.ndarray, str] | str:
    """(the clip of the video at ``path`` ((T, H, W, 3) uint8, as the scale stage makes it, face tracks
    included), how it was framed (clips.parquet's ``face``: detected, fallback or off)), or the one-line reason
    it cannot be made (worded as rejects tables word it, e.g. "no face found in 8 sampled frames")."""
    try:
        task = {**probe_video(path, max_pixels=MAX_PIXELS).as_row(), "path": path.name}
        return framed_clip_of(task, path.parent, scale)
    except (VideoError, OSError) as err:
        return reject_reason(err)


@torch.no_grad()
def fold_scores(clip: np.ndarray, ensemble: Ensemble) -> list[float]:
    """p_fake of one (T, H, W, 3) uint8 clip under each fold's model, as training scored its test clips."""
    x = torch.from_numpy(clip).permute(3, 0, 1, 2)[None].float().div(255.0).to(ensemble.device)  # (1, 3, T, H, W)
    amp = ensemble.amp_dtype
    scores = []
    for network in ensemble.networks:
        with torch.autocast(ensemble.device.type, dtype=amp or torch.float32, enabled=amp is not None):
            logit = network(x, None)
        scores.append(float(torch.sigmoid(logit.float()).cpu().numpy()[0]))
    return scores


def score_clip(clip: np.ndarray, ensemble: Ensemble) -> float:
    """p_fake of one (T, H, W, 3) uint8 clip: the mean over folds of sigmoid(logit)."""
    return float(np.mean(fold_scores(clip, ensemble)))


def score_videos(paths: Sequence[str | os.PathLike], ensemble: Ensemble, workers: int = 1) -> list[dict]:
    """Score every video of ``paths`` (folders expanded, see video_files), decoding on ``workers`` processes.

    Returns one dict per file, in order: {path, p_fake, label (fake | real), frames, height, width, face
    (detected | fallback | off: the clip cut to the face, its full frame for want of one, no face tracks), model,
    folds},
    or {path, error} for a file that cannot be decoded (the others are still scored), or for a folder without
    video files.
    """
    rows = [
        {"path": str(p), "error": f"no video files ({', '.join(e[1:] for e in VIDEO_EXTENSIONS)})"}
        for p in map(Path, paths)
        if p.is_dir() and not video_files([p])
    ]
    files = video_files(paths)
    bar = tqdm(total=len(files), desc="predict", unit="video", leave=False, disable=None if len(files) > 1 else True)
    for path, prepared in _prepared(files, ensemble.scale, workers):
        if isinstance(prepared, str):
            rows.append({"path": str(path), "error": prepared})
        else:
            clip, face = prepared
            p_fake = score_clip(clip, ensemble)
            t, h, w, _ = clip.shape
            rows.append(
                {
                    "path": str(path),
                    "p_fake": p_fake,
                    "label": "fake" if p_fake >= ensemble.threshold else "real",
                    "frames": t,
                    "height": h,
                    "width": w,
                    "face": face,
                    "model": ensemble.model,
                    "folds": len(ensemble.networks),
                }
            )
        bar.update(1)
    bar.close()
    return rows


def _prepared(
    files: list[Path], scale: ScaleParams, workers: int
) -> Iterator[tuple[Path, tuple[np.ndarray, str] | str]]:
    """(file, prepare_clip result) in order."""
    return prepared_ahead(files, partial(prepare_clip, scale=scale), workers)


def prepared_ahead(items: list[T], prepare: Callable[[T], R], workers: int) -> Iterator[tuple[T, R]]:
    """(item, prepare(item)) in order; prepared ahead on a process pool in chunks, so memory stays bounded."""
    if workers <= 1 or len(items) <= 1:
        yield from ((item, prepare(item)) for item in items)
        return
    chunk = 4 * workers
    with ProcessPoolExecutor(max_workers=workers, initializer=_one_thread) as pool:
        for start in range(0, len(items), chunk):
            part = items[start : start + chunk]
            yield from zip(part, pool.map(prepare, part), strict=True)


def _one_thread() -> None:
    # A forked worker inherits torch's OpenMP pool broken if the parent used it (fvc.pervideo.pool): one thread.
    torch.set_num_threads(1)
