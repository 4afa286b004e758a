"""The fold runner: what training fold k means for every model kind.

It owns the fold's two output folders (cleared, unless a killed run of the very same fold resumes), the dvclive
run and the names it logs (``fvc.schema.LOGGED_METRICS``, which evaluate reads back and dvc.yaml plots), the test
predictions (``fvc.schema.PREDICTIONS``) and ``status.json``. A *strategy* plugs the model in:
``fvc.train.clip_model.ClipModelTraining`` trains a torch clip model epoch by epoch, and
``fvc.train.baseline.FeatureBaseline`` fits a scikit-learn pipeline on the handcrafted features.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import polars as pl
import torch
from dvclive import Live
from sklearn.metrics import roc_auc_score

from fvc.atomic import write_parquet, write_text
from fvc.checkpoint import read_checkpoint
from fvc.errors import FvcError
from fvc.folds import FoldPartition
from fvc.schema import LOGGED_METRICS, PREDICTIONS
from fvc.train.distributed import barrier, from_main, world
from fvc.train.params import TrainParams
from fvc.train.pseudo import fold_parts, pseudo_mask


@dataclass(frozen=True)
class FoldRun:
    """What a strategy is given: the fold, its rows and where it may write."""

    fold: int
    params: TrainParams
    model_options: dict
    seed: int
    partition: FoldPartition  # the video ids of train / val / test
    parts: dict[str, pl.DataFrame]  # their rows (fvc.folds.fold_rows): train includes augmented copies
    model_dir: Path
    record: dict  # what a checkpoint carries: train params, model options, seed, fold
    run_key: str  # a hash of the record and the rows: a resumable state must carry the same one


@dataclass(frozen=True)
class Fitted:
    """A strategy's outcome: the epoch whose model scored the test rows, and those scores."""

    best_epoch: int
    epochs_run: int
    p_test: np.ndarray  # p_fake of ``parts["test"]``, in its row order


class EpochLog:
    """The fold's dvclive run as a strategy sees it: metrics by the names in ``LOGGED_METRICS``."""

    def __init__(self, live: Live) -> None:
        self._live = live

    def log(self, **values: float) -> None:
        """Log one value per name (in call order); ValueError for a name evaluate would not read."""
        unknown = sorted(set(values) - set(LOGGED_METRICS))
        if unknown:
            raise ValueError(f"not in fvc.schema.LOGGED_METRICS: {unknown}")
        for name, value in values.items():
            self._live.log_metric(name, float(value), plot=True)

    def next_step(self) -> None:
        self._live.next_step()


class _FoldLive(Live):
    """dvclive's run, tolerating one race of its own: folds trained at once in one checkout (scripts/slurm) share
    dvclive's VS Code signal file ``.dvc/tmp/exps/run/DVCLIVE_STEP_COMPLETED``, which ``end`` removes after checking
    that it exists, its last act; the fold that loses the race has written everything and must not fail."""

    def end(self) -> None:
        try:
            super().end()
        except FileNotFoundError as err:
            if Path(os.fsdecode(err.filename or "")).name != "DVCLIVE_STEP_COMPLETED":
                raise


class _RankLog(EpochLog):
    """The log of a rank other than 0 under torchrun: rank 0 alone writes the fold's dvclive run."""

    def __init__(self) -> None:
        pass

    def log(self, **values: float) -> None:
        pass

    def next_step(self) -> None:
        pass


class FoldStrategy(Protocol):
    """How one model kind fits a fold. ``resumable``: it saves ``model_dir/last.pt`` (with ``run_key``) each
    epoch and continues from the state it is handed; otherwise the runner always starts afresh."""

    resumable: bool

    def fit(self, run: FoldRun, log: EpochLog, resumed: dict | None) -> Fitted: ...


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


def run_fold(
    fold: int,
    strategy: FoldStrategy,
    *,
    table: pl.DataFrame,
    folds: pl.DataFrame,
    params: TrainParams,
    model_options: dict,
    seed: int,
    live_dir: str | os.PathLike,
    model_dir: str | os.PathLike,
    extra_record: dict | None = None,
    fakes: str = "real+pseudo",
    methods: pl.DataFrame | None = None,
) -> FoldResult:
    """Train fold ``fold`` with ``strategy`` on ``table`` (clips or features: a row per video and per copy).

    Writes dvclive logs, ``predictions.parquet`` (the test fold, schema PREDICTIONS) and ``status.json`` under
    ``live_dir``, and the strategy's model files under ``model_dir``. Anything else in both folders is from an
    older run and is removed, unless a resumable strategy finds ``model_dir/last.pt`` of this very run.
    ``extra_record`` is merged into what checkpoints carry (stages/train.py adds the scale params, which
    ``fvc predict`` needs to prepare new videos as training saw them). ``fakes`` is ``augment.fakes``: pseudo-fake
    copies (``<real>~sbi<k>``) train labelled fake, beside the real fakes or instead of them (fvc.train.pseudo).
    ``methods`` (video_id, method: the video index) is needed when ``params.fake_methods`` is not ``all``.
    Raises FvcError for a fold the split does not have, a partition without a class (fvc.folds), or a bad
    ``fakes``.
    """
    started = time.perf_counter()
    seed_everything(seed + fold)
    partition, parts = fold_parts(
        table,
        folds,
        fold,
        val_fraction=params.val_fraction,
        seed=seed,
        fakes=fakes,
        fake_methods=params.fake_methods,
        methods=methods,
    )
    record = {
        "train": asdict(params),
        "model_options": model_options,
        "seed": seed,
        "fold": fold,
        **(extra_record or {}),
    }
    if pseudo_mask(parts["train"]["video_id"]).any():  # recorded where it acts: other runs keep their key
        record["augment_fakes"] = fakes
    live_dir, model_dir = Path(live_dir), Path(model_dir)
    run = FoldRun(fold, params, model_options, seed, partition, parts, model_dir, record, _run_key(record, parts))
    ranks = world()
    resumed = _resume_or_clear(run, strategy, live_dir) if ranks.is_main else None
    if ranks.size > 1:  # every rank resumes from rank 0's last.pt, or none does
        resumed = read_checkpoint(run.model_dir / "last.pt") if from_main(resumed is not None) else None
        barrier()
        if not ranks.is_main:  # the other ranks train alongside; rank 0 writes every output
            fitted = strategy.fit(run, _RankLog(), resumed)
            seconds = time.perf_counter() - started
            return FoldResult(fold, fitted.best_epoch, fitted.epochs_run, seconds, math.nan, **_sizes(run))

    with _FoldLive(str(live_dir), dvcyaml=False, save_dvc_exp=False, report=None, resume=resumed is not None) as live:
        if strategy.resumable:  # dvclive infers the step from its summary, which lags if a kill came mid-epoch
            live.step = resumed["epoch"] + 1 if resumed is not None else 0
        live.log_params({"fold": fold, **_sizes(run)})
        fitted = strategy.fit(run, EpochLog(live), resumed)
        write_parquet(_predictions(run, fitted.p_test), live_dir / "predictions.parquet")
        labels = (parts["test"]["label"] == "fake").to_numpy().astype(np.int64)
        test_auc = auc_or_nan(labels, fitted.p_test)
        live.summary["best_epoch"] = fitted.best_epoch
        live.summary["test_auc"] = test_auc if not math.isnan(test_auc) else None
    (model_dir / "last.pt").unlink(missing_ok=True)
    status = {"fold": fold, "model": params.model, "best_epoch": fitted.best_epoch, "epochs_run": fitted.epochs_run}
    write_text(json.dumps({**status, **_sizes(run)}, indent=2) + "\n", live_dir / "status.json")
    return FoldResult(
        fold, fitted.best_epoch, fitted.epochs_run, time.perf_counter() - started, test_auc, **_sizes(run)
    )


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch; make CPU kernels deterministic."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def auc_or_nan(y: np.ndarray, p: np.ndarray) -> float:
    """ROC AUC of scores ``p`` for 0/1 labels ``y``; NaN when ``y`` has one class (a small validation part may)."""
    return float(roc_auc_score(y, p)) if len(np.unique(y)) == 2 else math.nan


def _resume_or_clear(run: FoldRun, strategy: FoldStrategy, live_dir: Path) -> dict | None:
    """The state to resume from (a resumable strategy's ``last.pt`` of this very run), with dvclive rows after it
    dropped; otherwise None, with both output folders emptied: a fresh run never mixes with an older one."""
    resumed = _resumable_state(run.model_dir / "last.pt", run.run_key) if strategy.resumable else None
    if resumed is None:
        for stale in (live_dir, run.model_dir):
            shutil.rmtree(stale, ignore_errors=True)
            stale.mkdir(parents=True)
    else:
        _truncate_live_history(live_dir, resumed["epoch"] + 1)
        print(f"fold {run.fold}: resuming after epoch {resumed['epoch']} from {run.model_dir / 'last.pt'}", flush=True)
    return resumed


def _predictions(run: FoldRun, p_test: np.ndarray) -> pl.DataFrame:
    """The test fold's videos with their scores, schema PREDICTIONS."""
    test = run.parts["test"]
    columns = {"video_id": test["video_id"], "fold": [run.fold] * test.height, "label": test["label"]}
    return pl.DataFrame({**columns, "p_fake": p_test}, schema=PREDICTIONS)


def _sizes(run: FoldRun) -> dict[str, int]:
    """Rows that train (videos and copies), videos that validate and test."""
    return {"n_train": run.parts["train"].height, "n_val": len(run.partition.val), "n_test": len(run.partition.test)}


def _run_key(record: dict, parts: dict[str, pl.DataFrame]) -> str:
    """A hash of everything a fold's result depends on: params, and the rows (by id and file) in each part."""
    key_columns = [c for c in ("video_id", "file") if c in parts["train"].columns]
    content = {"record": record, **{name: t.select(key_columns).rows() for name, t in parts.items()}}
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
