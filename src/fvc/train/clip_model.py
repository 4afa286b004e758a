"""Training a clip model (the Variable-AR CNN, the 3D ResNets) on a fold: the origin's method, step by step.

``ClipModelTraining.fit`` reads top to bottom: ``setup`` (model, AdamW, warm-up + cosine, class-weighted BCE,
autocast, aspect-ratio buckets), then per epoch ``train_one_epoch`` (gradient accumulation to an effective batch,
clipping), ``predict`` on the validation videos, early stopping on validation F1 and ``save_state``; finally the
best epoch's model predicts the test fold once. The fold runner (fvc.train.runner) owns folders, logs and outputs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import torch
from sklearn.metrics import f1_score
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader

from fvc.checkpoint import read_checkpoint, save_checkpoint
from fvc.errors import FvcError
from fvc.models.registry import build_model
from fvc.train.buckets import AspectRatioBucketSampler, pad_collate
from fvc.train.dataset import ClipDataset
from fvc.train.distributed import from_main, sum_over_ranks, world
from fvc.train.early_stopping import EarlyStopping
from fvc.train.params import TrainParams
from fvc.train.pseudo import epoch_labels, view_groups
from fvc.train.runner import EpochLog, Fitted, FoldRun, auc_or_nan
from fvc.train.schedule import warmup_cosine


@dataclass
class ClipTraining:
    """Everything one fold's training loop touches. ``model`` is what trains (DDP-wrapped on several ranks);
    ``network`` the plain module, which validates, predicts and is saved."""

    model: nn.Module
    network: nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    criterion: nn.BCEWithLogitsLoss
    scaler: torch.amp.GradScaler
    stopper: EarlyStopping
    sampler: AspectRatioBucketSampler
    loader: DataLoader
    datasets: dict[str, ClipDataset]
    pos_weight: float
    amp_dtype: torch.dtype | None
    device: torch.device


class ClipModelTraining:
    """The fold strategy of clip models: epochs over aspect-ratio buckets, resumable from ``last.pt``.

    ``after_epoch_logged(epoch)`` is a test hook, called after an epoch's metrics are logged and before its
    state is saved (a kill there must resume exactly).
    """

    resumable = True

    def __init__(
        self,
        clip_dir: str | os.PathLike,
        device: torch.device | None = None,
        after_epoch_logged: Callable[[int], None] | None = None,
    ) -> None:
        self.clip_dir = Path(clip_dir)
        self.device = device or torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.after_epoch_logged = after_epoch_logged

    def fit(self, run: FoldRun, log: EpochLog, resumed: dict | None) -> Fitted:
        """Train, early-stop on validation F1, and score the test rows with the best epoch's weights."""
        params, best, main = run.params, run.model_dir / "best.pt", world().is_main
        t = setup(run, self.clip_dir, self.device)
        start = restore(t, resumed) if resumed is not None else 0
        epoch = start - 1
        for epoch in range(start, params.epochs) if not t.stopper.should_stop else ():
            t.sampler.set_epoch(epoch)
            lr = t.optimizer.param_groups[0]["lr"]
            train_loss, pad_fraction = train_one_epoch(t, params)
            t.scheduler.step()
            # Rank 0 validates and logs; every rank takes its verdict, so all stop at the same epoch.
            train = {"train_loss": train_loss, "pad_fraction": pad_fraction}
            val_f1, val_auc = from_main(_validate(t, run, epoch, lr, log, **train) if main else None)
            # Warm-up epochs train at a fraction of the learning rate: early stopping watches from the first
            # epoch at full rate, so a lucky warm-up score cannot end training before it has really started.
            if epoch >= params.warmup_epochs and t.stopper.step(epoch, val_f1, val_auc) and main:
                save_checkpoint(best, state_dict=t.network.state_dict(), params=run.record, epoch=epoch)
            log.next_step()
            if self.after_epoch_logged is not None:
                self.after_epoch_logged(epoch)
            if main:
                save_state(t, run, epoch)
            if t.stopper.should_stop:
                break
        if not main:  # rank 0 scores the test fold and writes every output
            return Fitted(best_epoch=t.stopper.best_epoch, epochs_run=epoch + 1, p_test=np.zeros(0))
        if t.stopper.best_epoch < 0:  # every epoch was a warm-up epoch: the last one is the model
            save_checkpoint(best, state_dict=t.network.state_dict(), params=run.record, epoch=epoch)
        t.network.load_state_dict(read_checkpoint(best)["state_dict"])
        p_test = predict(t.network, t.datasets["test"], params.batch_size, t.amp_dtype, t.device)
        return Fitted(best_epoch=t.stopper.best_epoch, epochs_run=epoch + 1, p_test=p_test)


def setup(run: FoldRun, clip_dir: Path, device: torch.device) -> ClipTraining:
    """Build the fold's model (seeded by the runner), optimiser, schedule, loss, scaler and training batches.

    On several ranks the model is wrapped in DistributedDataParallel and each rank's sampler yields its share of
    the batches. On CUDA the model and its inputs use the channels_last_3d layout and batches are pinned.
    """
    params, ranks = run.params, world()
    datasets = {name: ClipDataset(t, clip_dir) for name, t in run.parts.items()}
    clips = run.parts["train"]
    snippet = int(clips["snippet"][0]) if "snippet" in clips.columns and clips.height else 1
    model = build_model(
        params.model, dropout=params.dropout, snippet=snippet, checkpoint=params.init_checkpoint, **run.model_options
    ).to(device)
    if device.type == "cuda":
        model = model.to(memory_format=torch.channels_last_3d)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=params.lr, betas=params.betas, weight_decay=params.weight_decay
    )
    scheduler = warmup_cosine(
        optimizer, epochs=params.epochs, warmup_epochs=params.warmup_epochs, warmup_factor=params.warmup_factor
    )
    labels = epoch_labels(run.parts["train"], params.copy_sampling)  # the classes one epoch trains on
    pos_weight = (labels == 0).sum() / max(1, (labels == 1).sum()) if params.class_weighting else 1.0
    criterion = nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pos_weight, dtype=torch.float32, device=device))
    amp_dtype = autocast_dtype(params.amp, device)
    share = {"num_replicas": ranks.size, "rank": ranks.rank}
    sampler = train_sampler(run.parts["train"], datasets["train"], params, seed=run.seed + run.fold, **share)
    trained = model
    if ranks.size > 1:
        trained = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    loader = DataLoader(
        datasets["train"], batch_sampler=sampler, collate_fn=pad_collate, pin_memory=device.type == "cuda"
    )
    return ClipTraining(
        model=trained,
        network=model,
        optimizer=optimizer,
        scheduler=scheduler,
        criterion=criterion,
        scaler=torch.amp.GradScaler(device.type, enabled=amp_dtype == torch.float16),
        stopper=EarlyStopping(patience=params.patience),
        sampler=sampler,
        loader=loader,
        datasets=datasets,
        pos_weight=float(pos_weight),
        amp_dtype=amp_dtype,
        device=device,
    )


def train_one_epoch(t: ClipTraining, params: TrainParams) -> tuple[float, float]:
    """One pass over the training buckets; returns (mean loss per clip, padded share of voxels), over all ranks.

    An optimiser step takes ``accumulation_steps`` consecutive micro-batches of the epoch's batch list; with R
    ranks each rank runs every R-th of them (``accumulation_steps / R`` per step) and DDP averages the gradients,
    so R ranks take the steps one process would take over the same micro-batches.
    """
    ranks = world()
    t.model.train()
    t.optimizer.zero_grad(set_to_none=True)
    total_loss, clips, padded, voxels = 0.0, 0, 0.0, 0.0
    steps, local_steps = len(t.loader), params.accumulation_steps // ranks.size
    sizes = [len(b) for b in t.sampler.global_batches()]
    group_clips = accumulation_group_sizes(sizes, params.accumulation_steps)[ranks.rank :: ranks.size]
    channels_last = t.device.type == "cuda"
    for step, batch in enumerate(t.loader):
        x, y = batch["x"].to(t.device, non_blocking=True), batch["y"].to(t.device, non_blocking=True)
        if channels_last:
            x = x.contiguous(memory_format=torch.channels_last_3d)
        mask = batch["mask"].to(t.device, non_blocking=True) if batch["mask"] is not None else None
        stepping = (step + 1) % local_steps == 0 or step + 1 == steps
        # DDP all-reduces gradients on a backward unless told not to: only the last micro-batch of a step syncs.
        sync = t.model.no_sync() if ranks.size > 1 and not stepping else nullcontext()
        with sync:
            with torch.autocast(t.device.type, dtype=t.amp_dtype or torch.float32, enabled=t.amp_dtype is not None):
                logits = t.model(x, mask)
            loss = t.criterion(logits.float(), y)
            # Each micro-batch carries its share of its accumulation group's clips: every optimiser step is one
            # step on the mean loss of the clips it saw, the last, shorter group of an epoch included. DDP
            # averages over ranks, hence the factor ranks.size.
            t.scaler.scale(loss * (ranks.size * len(y) / group_clips[step])).backward()
        if stepping:
            t.scaler.unscale_(t.optimizer)
            nn.utils.clip_grad_norm_(t.model.parameters(), params.grad_clip)
            t.scaler.step(t.optimizer)
            t.scaler.update()
            t.optimizer.zero_grad(set_to_none=True)
        total_loss += float(loss.detach()) * len(y)
        clips += len(y)
        n_vox = x[:, :1].numel()
        voxels += n_vox
        padded += batch["pad_fraction"] * n_vox
    total_loss, clips, padded, voxels = sum_over_ranks(total_loss, clips, padded, voxels)
    return total_loss / max(1, clips), padded / max(1.0, voxels)


def accumulation_group_sizes(batch_sizes: list[int], steps: int) -> list[int]:
    """For each micro-batch of an epoch, the number of clips in its accumulation group: groups are ``steps``
    consecutive micro-batches, and the epoch's last group may be shorter. [4, 4, 4], 2 -> [8, 8, 4]."""
    out = []
    for start in range(0, len(batch_sizes), steps):
        group = batch_sizes[start : start + steps]
        out += [sum(group)] * len(group)
    return out


@torch.no_grad()
def predict(
    model: nn.Module, dataset: ClipDataset, batch_size: int, amp_dtype: torch.dtype | None, device: torch.device
) -> np.ndarray:
    """p_fake (float64) for every clip of ``dataset``, in its row order."""
    model.eval()
    sampler = AspectRatioBucketSampler(dataset.shapes, batch_size, seed=0, shuffle=False)
    loader = DataLoader(dataset, batch_sampler=sampler, collate_fn=pad_collate)
    p_fake = np.zeros(len(dataset), dtype=np.float64)
    for batch in loader:
        mask = batch["mask"].to(device) if batch["mask"] is not None else None
        with torch.autocast(device.type, dtype=amp_dtype or torch.float32, enabled=amp_dtype is not None):
            logits = model(batch["x"].to(device), mask)
        p_fake[batch["index"].numpy()] = torch.sigmoid(logits.float()).cpu().numpy()
    return p_fake


def save_state(t: ClipTraining, run: FoldRun, epoch: int) -> None:
    """Everything needed to continue after ``epoch`` to ``model_dir/last.pt``, keyed by the run."""
    save_checkpoint(
        run.model_dir / "last.pt",
        state_dict=t.network.state_dict(),
        params=run.record,
        epoch=epoch,
        run_key=run.run_key,
        optimizer=t.optimizer.state_dict(),
        scheduler=t.scheduler.state_dict(),
        scaler=t.scaler.state_dict(),
        early_stopping=t.stopper.state_dict(),
        torch_rng=torch.get_rng_state(),
    )


def restore(t: ClipTraining, state: dict) -> int:
    """Load a ``save_state`` checkpoint into ``t``; returns the first epoch still to train."""
    t.network.load_state_dict(state["state_dict"])
    t.optimizer.load_state_dict(state["optimizer"])
    t.scheduler.load_state_dict(state["scheduler"])
    t.scaler.load_state_dict(state["scaler"])
    t.stopper.load_state_dict(state["early_stopping"])
    torch.set_rng_state(state["torch_rng"])
    return state["epoch"] + 1


def train_sampler(
    rows: pl.DataFrame, dataset: ClipDataset, params: TrainParams, *, seed: int, num_replicas: int = 1, rank: int = 0
) -> AspectRatioBucketSampler:
    """Buckets over the training rows. ``copy_sampling: all``: every video and copy, every epoch. ``view``: each
    epoch, each training video once, as itself or one of its plain copies (a copy has its parent's shape), and
    each real with pseudo-fakes once more as one of them (labelled fake: never a view of its real parent;
    fvc.train.pseudo). With ``num_replicas`` ranks, this ``rank``'s share of the batches.
    """
    share = {"num_replicas": num_replicas, "rank": rank}
    if params.copy_sampling == "all":
        return AspectRatioBucketSampler(dataset.shapes, params.batch_size, seed=seed, **share)
    views = view_groups(rows)
    items = sorted(views)
    shapes = [dataset.shapes[views[p][0]] for p in items]
    return AspectRatioBucketSampler(shapes, params.batch_size, seed=seed, views=[views[p] for p in items], **share)


def autocast_dtype(amp: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for ``amp`` on ``device``: auto = fp16 on CUDA (with a GradScaler), none on CPU.

    bf16 autocast trains 1.6x faster on this project's CPU (BENCHMARKS.md) but gives non-finite Conv3d weight
    gradients there (docs/decisions.md), so ``auto`` keeps CPU training in fp32; ``bf16`` forces it.
    """
    if amp == "off" or (amp == "auto" and device.type == "cpu"):
        return None
    if amp == "fp16" and device.type == "cpu":
        raise FvcError("params.yaml: train.amp = fp16 needs a CUDA device; use bf16 or off on CPU")
    return torch.bfloat16 if amp == "bf16" else torch.float16


def _validate(
    t: ClipTraining, run: FoldRun, epoch: int, lr: float, log: EpochLog, **train: float
) -> tuple[float, float]:
    """Score the validation videos, log the epoch; returns (F1 as early stopping sees it, AUC)."""
    params = run.params
    labels = np.asarray(t.datasets["val"].labels, dtype=np.int64)
    p_val = predict(t.network, t.datasets["val"], params.batch_size, t.amp_dtype, t.device)
    if not np.isfinite(p_val).all():
        raise FvcError(
            f"fold {run.fold} epoch {epoch}: the model's validation scores are not finite"
            f" (train.amp = {params.amp!r}, lr = {lr:g}); try train.amp: off or a lower train.lr"
        )
    val_loss = _bce(labels, p_val, t.pos_weight)
    predicted_fake = p_val >= params.threshold
    val_f1 = f1_score(labels, predicted_fake, zero_division=0)
    val_auc = auc_or_nan(labels, p_val)
    log.log(
        train_loss=train["train_loss"],
        val_loss=val_loss,
        val_f1=val_f1,
        val_auc=val_auc,
        lr=lr,
        pad_fraction=train["pad_fraction"],
    )
    print(
        f"fold {run.fold} epoch {epoch}: train_loss {train['train_loss']:.4f} val_loss {val_loss:.4f}"
        f" val_f1 {val_f1:.3f} val_auc {val_auc:.3f} lr {lr:.2e} pad {train['pad_fraction']:.3f}",
        flush=True,
    )
    # A constant prediction (every clip one class) has no skill, whatever F1 its prevalence gives it.
    return (val_f1 if 0 < predicted_fake.mean() < 1 else 0.0), val_auc


def _bce(y: np.ndarray, p: np.ndarray, pos_weight: float) -> float:
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return float(np.mean(-(pos_weight * y * np.log(p) + (1 - y) * np.log(1 - p))))
