"""The fold loop: an explicit epoch loop over aspect-ratio buckets with the origin's training method.

AdamW, linear warm-up then cosine, autocast, gradient accumulation to an effective batch size, gradient-norm
clipping, class-weighted BCE, early stopping on validation F1; dvclive logs every epoch.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import shutil
import time
from collections.abc import Callable
from dataclasses import MISSING, asdict, dataclass, fields
from pathlib import Path

import numpy as np
import polars as pl
import torch
from dvclive import Live
from sklearn.metrics import f1_score, roc_auc_score
from torch import nn
from torch.utils.data import DataLoader

from fvc.atomic import write_parquet, write_text
from fvc.checkpoint import read_checkpoint, save_checkpoint
from fvc.errors import FvcError
from fvc.folds import fold_rows
from fvc.models.registry import build_model
from fvc.train.buckets import AspectRatioBucketSampler, pad_collate
from fvc.train.dataset import ClipDataset
from fvc.train.early_stopping import EarlyStopping
from fvc.train.schedule import warmup_cosine

PREDICTIONS = {"video_id": pl.String, "fold": pl.Int32, "label": pl.String, "p_fake": pl.Float64}


@dataclass(frozen=True)
class TrainParams:
    """params.yaml's ``train`` section (see the comments there for each value's reason)."""

    model: str
    epochs: int
    batch_size: int
    effective_batch_size: int
    lr: float
    betas: tuple[float, float]
    weight_decay: float
    warmup_epochs: int
    warmup_factor: float
    grad_clip: float
    patience: int
    dropout: float
    amp: str  # auto | off | bf16 | fp16
    val_fraction: float
    class_weighting: bool
    threshold: float
    init_checkpoint: str | None = None
    copy_sampling: str = "view"  # view | all: how augmented copies enter an epoch (see train_fold)

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.effective_batch_size < self.batch_size:
            raise FvcError(
                f"params.yaml: train.effective_batch_size = {self.effective_batch_size} must be >="
                f" train.batch_size = {self.batch_size} >= 1"
            )
        if self.amp not in ("auto", "off", "bf16", "fp16"):
            raise FvcError(f"params.yaml: train.amp = {self.amp!r}, expected auto, off, bf16 or fp16")
        if self.epochs < 1:
            raise FvcError(f"params.yaml: train.epochs = {self.epochs}, expected >= 1")
        if self.copy_sampling not in ("view", "all"):
            raise FvcError(f"params.yaml: train.copy_sampling = {self.copy_sampling!r}, expected view or all")

    @classmethod
    def from_params(cls, section: dict) -> TrainParams:
        """Build from params.yaml's ``train`` section; FvcError names unknown or missing keys."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(section) - names)
        if unknown:
            raise FvcError(f"params.yaml: unknown parameter(s) train.{', train.'.join(unknown)}")
        missing = sorted(f.name for f in fields(cls) if f.name not in section and f.default is MISSING)
        if missing:
            raise FvcError(f"params.yaml: missing parameter(s) train.{', train.'.join(missing)}")
        return cls(**{**section, "betas": tuple(section["betas"])})

    @property
    def accumulation_steps(self) -> int:
        return max(1, self.effective_batch_size // self.batch_size)


@dataclass(frozen=True)
class FoldResult:
    fold: int
    best_epoch: int
    epochs_run: int
    seconds: float
    test_auc: float
    n_train: int
    n_val: int
    n_test: int


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch; make CPU kernels deterministic."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def autocast_dtype(amp: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for ``amp`` on ``device``: auto = fp16 on CUDA (with a GradScaler), none on CPU.

    bf16 autocast trains 1.6x faster on this project's CPU (BENCHMARKS.md) but its first training run scored
    NaN on validation, so ``auto`` keeps CPU training in fp32 until that is understood; ``bf16`` forces it.
    """
    if amp == "off" or (amp == "auto" and device.type == "cpu"):
        return None
    if amp == "fp16" and device.type == "cpu":
        raise FvcError("params.yaml: train.amp = fp16 needs a CUDA device; use bf16 or off on CPU")
    return torch.bfloat16 if amp == "bf16" else torch.float16


def train_fold(
    fold: int,
    *,
    params: TrainParams,
    model_options: dict,
    seed: int,
    clips: pl.DataFrame,
    folds: pl.DataFrame,
    clip_dir: str | os.PathLike,
    live_dir: str | os.PathLike,
    model_dir: str | os.PathLike,
    device: torch.device | None = None,
    after_epoch_logged: Callable[[int], None] | None = None,
) -> FoldResult:
    """Train fold ``fold``: fit on its train part, early-stop on its validation part, predict its test part.

    Writes ``model_dir/best.pt`` (state dict, params, fvc version), dvclive logs under ``live_dir`` and the
    test predictions to ``live_dir/predictions.parquet`` (schema PREDICTIONS). Returns a summary.

    Resumable: after every epoch the whole training state goes to ``model_dir/last.pt``. If a run is killed, the
    next call with the same params and data continues after the last saved epoch (dvclive resumes its logs) and
    ends exactly as an uninterrupted run would on CPU; ``last.pt`` is removed once the fold is done. Anything
    else in the two folders is from an older run and is cleared. ``after_epoch_logged(epoch)`` is a test hook,
    called after an epoch's metrics are logged and before its state is saved.
    """
    started = time.perf_counter()
    device = device or torch.device("cuda" if torch.cuda.is_available() else "cpu")
    seed_everything(seed + fold)
    part, parts = fold_rows(clips, folds, fold, val_fraction=params.val_fraction, seed=seed)
    datasets = {name: ClipDataset(t, clip_dir) for name, t in parts.items()}
    record = {"train": asdict(params), "model_options": model_options, "seed": seed, "fold": fold}
    model_dir, live_dir = Path(model_dir), Path(live_dir)
    run_key = _run_key(record, parts)
    resumed = _resumable_state(model_dir / "last.pt", run_key)
    if resumed is None:  # a fresh run never mixes with a previous one's logs or checkpoints
        for stale in (live_dir, model_dir):
            shutil.rmtree(stale, ignore_errors=True)
            stale.mkdir(parents=True)

    snippet = int(clips["snippet"][0]) if "snippet" in clips.columns and clips.height else 1
    model = build_model(
        params.model, dropout=params.dropout, snippet=snippet, checkpoint=params.init_checkpoint, **model_options
    )
    model.to(device)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=params.lr, betas=params.betas, weight_decay=params.weight_decay
    )
    scheduler = warmup_cosine(
        optimizer, epochs=params.epochs, warmup_epochs=params.warmup_epochs, warmup_factor=params.warmup_factor
    )
    labels = np.asarray(datasets["train"].labels)
    pos_weight = (labels == 0).sum() / max(1, (labels == 1).sum()) if params.class_weighting else 1.0
    criterion = nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pos_weight, dtype=torch.float32, device=device))
    amp_dtype = autocast_dtype(params.amp, device)
    scaler = torch.amp.GradScaler(device.type, enabled=amp_dtype == torch.float16)
    sampler = _train_sampler(parts["train"], datasets["train"], params, seed=seed + fold)
    train_loader = DataLoader(datasets["train"], batch_sampler=sampler, collate_fn=pad_collate)
    stopper = EarlyStopping(patience=params.patience)
    start = 0
    if resumed is not None:
        model.load_state_dict(resumed["state_dict"])
        optimizer.load_state_dict(resumed["optimizer"])
        scheduler.load_state_dict(resumed["scheduler"])
        scaler.load_state_dict(resumed["scaler"])
        stopper.load_state_dict(resumed["early_stopping"])
        torch.set_rng_state(resumed["torch_rng"])
        start = resumed["epoch"] + 1
        _truncate_live_history(live_dir, start)
        print(f"fold {fold}: resuming after epoch {resumed['epoch']} from {model_dir / 'last.pt'}", flush=True)

    with Live(str(live_dir), dvcyaml=False, save_dvc_exp=False, report=None, resume=resumed is not None) as live:
        live.step = start  # dvclive infers the step from its summary, which lags if a kill came mid-epoch
        live.log_params(
            {"fold": fold, "n_train": parts["train"].height, "n_val": len(part.val), "n_test": len(part.test)}
        )
        epoch = start - 1
        for epoch in range(start, params.epochs) if not stopper.should_stop else ():
            sampler.set_epoch(epoch)
            lr = optimizer.param_groups[0]["lr"]
            train_loss, pad_fraction = _train_epoch(
                model, train_loader, optimizer, criterion, scaler, params, amp_dtype, device
            )
            scheduler.step()
            val = _predict(model, datasets["val"], params.batch_size, amp_dtype, device)
            if not np.isfinite(val["p_fake"]).all():
                raise FvcError(
                    f"fold {fold} epoch {epoch}: the model's validation scores are not finite"
                    f" (train.amp = {params.amp!r}, lr = {lr:g}); try train.amp: off or a lower train.lr"
                )
            val_loss = _bce(val["label"], val["p_fake"], pos_weight)
            val_f1 = f1_score(val["label"], val["p_fake"] >= params.threshold, zero_division=0)
            val_auc = auc_or_nan(val["label"], val["p_fake"])
            for name, value in (
                ("train_loss", train_loss),
                ("val_loss", val_loss),
                ("val_f1", val_f1),
                ("val_auc", val_auc),
                ("lr", lr),
                ("pad_fraction", pad_fraction),
            ):
                live.log_metric(name, float(value), plot=True)
            # A constant prediction (every clip one class) has no skill, whatever F1 its prevalence gives it.
            predicted_fake = val["p_fake"] >= params.threshold
            monitored_f1 = val_f1 if 0 < predicted_fake.mean() < 1 else 0.0
            # Warm-up epochs train at a fraction of the learning rate: early stopping watches from the first
            # epoch at full rate, so a lucky warm-up score cannot end training before it has really started.
            if epoch >= params.warmup_epochs and stopper.step(epoch, monitored_f1, val_auc):
                save_checkpoint(model_dir / "best.pt", state_dict=model.state_dict(), params=record, epoch=epoch)
            live.next_step()
            print(
                f"fold {fold} epoch {epoch}: train_loss {train_loss:.4f} val_loss {val_loss:.4f}"
                f" val_f1 {val_f1:.3f} val_auc {val_auc:.3f} lr {lr:.2e} pad {pad_fraction:.3f}",
                flush=True,
            )
            if after_epoch_logged is not None:
                after_epoch_logged(epoch)
            save_checkpoint(
                model_dir / "last.pt",
                state_dict=model.state_dict(),
                params=record,
                epoch=epoch,
                run_key=run_key,
                optimizer=optimizer.state_dict(),
                scheduler=scheduler.state_dict(),
                scaler=scaler.state_dict(),
                early_stopping=stopper.state_dict(),
                torch_rng=torch.get_rng_state(),
            )
            if stopper.should_stop:
                break

        if stopper.best_epoch < 0:  # every epoch was a warm-up epoch: the last one is the model
            save_checkpoint(model_dir / "best.pt", state_dict=model.state_dict(), params=record, epoch=epoch)
        model.load_state_dict(read_checkpoint(model_dir / "best.pt")["state_dict"])
        test = _predict(model, datasets["test"], params.batch_size, amp_dtype, device)
        predictions = pl.DataFrame(
            {
                "video_id": parts["test"]["video_id"],
                "fold": [fold] * parts["test"].height,
                "label": parts["test"]["label"],
                "p_fake": test["p_fake"],
            },
            schema=PREDICTIONS,
        )
        write_parquet(predictions, Path(live_dir) / "predictions.parquet")
        test_auc = auc_or_nan(test["label"], test["p_fake"])
        live.summary["best_epoch"] = stopper.best_epoch
        live.summary["test_auc"] = test_auc if not math.isnan(test_auc) else None
    (model_dir / "last.pt").unlink(missing_ok=True)
    return FoldResult(
        fold=fold,
        best_epoch=stopper.best_epoch,
        epochs_run=epoch + 1,
        seconds=time.perf_counter() - started,
        test_auc=test_auc,
        n_train=parts["train"].height,
        n_val=len(part.val),
        n_test=len(part.test),
    )


def _train_sampler(
    rows: pl.DataFrame, dataset: ClipDataset, params: TrainParams, *, seed: int
) -> AspectRatioBucketSampler:
    """Buckets over the training rows. ``copy_sampling: all``: every video and copy, every epoch. ``view``: each
    epoch, each training video once, as itself or one of its copies (a copy has its parent's shape).
    """
    if params.copy_sampling == "all":
        return AspectRatioBucketSampler(dataset.shapes, params.batch_size, seed=seed)
    views: dict[str, list[int]] = {}
    for index, parent in enumerate(rows["parent_id"].to_list()):
        views.setdefault(parent, []).append(index)
    items = sorted(views)
    shapes = [dataset.shapes[views[p][0]] for p in items]
    return AspectRatioBucketSampler(shapes, params.batch_size, seed=seed, views=[views[p] for p in items])


def _run_key(record: dict, parts: dict[str, pl.DataFrame]) -> str:
    """A hash of everything a fold's result depends on: params, and the clips (by file name) in each part."""
    content = {"record": record, **{name: t.select("video_id", "file").rows() for name, t in parts.items()}}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def _resumable_state(path: Path, run_key: str) -> dict | None:
    """The state in ``path`` if it is a readable checkpoint of this very run (same key), else None."""
    if not path.exists():
        return None
    try:
        state = read_checkpoint(path)
    except FvcError as err:
        print(f"{path}: not resuming ({err})", flush=True)
        return None
    return state if state.get("run_key") == run_key else None


def _truncate_live_history(live_dir: Path, start: int) -> None:
    """Drop dvclive plot rows from step ``start`` on: a kill between logging an epoch and saving it leaves them."""
    for tsv in (live_dir / "plots" / "metrics").glob("*.tsv"):
        header, *rows = tsv.read_text(encoding="utf-8").splitlines()
        step_col = header.split("\t").index("step")
        kept = [r for r in rows if int(r.split("\t")[step_col]) < start]
        write_text("\n".join([header, *kept]) + "\n", tsv)


def _train_epoch(model, loader, optimizer, criterion, scaler, params, amp_dtype, device) -> tuple[float, float]:
    """One pass over the training buckets; returns (mean loss per clip, padded share of voxels)."""
    model.train()
    optimizer.zero_grad(set_to_none=True)
    total_loss, clips, padded, voxels = 0.0, 0, 0.0, 0.0
    steps = len(loader)
    for step, batch in enumerate(loader):
        x, y = batch["x"].to(device), batch["y"].to(device)
        mask = batch["mask"].to(device) if batch["mask"] is not None else None
        with torch.autocast(device.type, dtype=amp_dtype or torch.float32, enabled=amp_dtype is not None):
            logits = model(x, mask)
        loss = criterion(logits.float(), y)
        # Each micro-batch carries its share of the effective batch, so accumulation matches one big batch.
        scaler.scale(loss * len(y) / params.effective_batch_size).backward()
        if (step + 1) % params.accumulation_steps == 0 or step + 1 == steps:
            scaler.unscale_(optimizer)
            nn.utils.clip_grad_norm_(model.parameters(), params.grad_clip)
            scaler.step(optimizer)
            scaler.update()
            optimizer.zero_grad(set_to_none=True)
        total_loss += float(loss.detach()) * len(y)
        clips += len(y)
        n_vox = x[:, :1].numel()
        voxels += n_vox
        padded += batch["pad_fraction"] * n_vox
    return total_loss / max(1, clips), padded / max(1.0, voxels)


@torch.no_grad()
def _predict(model, dataset: ClipDataset, batch_size: int, amp_dtype, device) -> dict[str, np.ndarray]:
    """p_fake for every clip of ``dataset``, in its row order."""
    model.eval()
    sampler = AspectRatioBucketSampler(dataset.shapes, batch_size, seed=0, shuffle=False)
    loader = DataLoader(dataset, batch_sampler=sampler, collate_fn=pad_collate)
    p_fake = np.zeros(len(dataset), dtype=np.float64)
    for batch in loader:
        mask = batch["mask"].to(device) if batch["mask"] is not None else None
        with torch.autocast(device.type, dtype=amp_dtype or torch.float32, enabled=amp_dtype is not None):
            logits = model(batch["x"].to(device), mask)
        p_fake[batch["index"].numpy()] = torch.sigmoid(logits.float()).cpu().numpy()
    return {"label": np.asarray(dataset.labels, dtype=np.int64), "p_fake": p_fake}


def _bce(y: np.ndarray, p: np.ndarray, pos_weight: float) -> float:
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return float(np.mean(-(pos_weight * y * np.log(p) + (1 - y) * np.log(1 - p))))


def auc_or_nan(y: np.ndarray, p: np.ndarray) -> float:
    """ROC AUC of scores ``p`` for labels ``y``; NaN when ``y`` has one class."""
    return float(roc_auc_score(y, p)) if len(np.unique(y)) == 2 else math.nan
