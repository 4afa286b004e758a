"""The fold loop of the feature baselines: fit a scikit-learn pipeline on a fold's training rows, score its
validation and test videos, and log like the CNN does (dvclive, predictions.parquet), so evaluate, `dvc exp show`
and the plots treat both kinds the same.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
from pathlib import Path

import numpy as np
import polars as pl
from dvclive import Live
from sklearn.metrics import f1_score, log_loss

from fvc.atomic import write_parquet, write_text
from fvc.errors import FvcError
from fvc.folds import fold_rows
from fvc.models.registry import build_feature_model
from fvc.train.loop import PREDICTIONS, FoldResult, TrainParams, auc_or_nan

ID_COLUMNS = ("video_id", "parent_id", "label", "group", "fold", "copy")


def feature_columns(features: pl.DataFrame) -> list[str]:
    """The numeric feature columns of a features table, in its order (identifiers excluded)."""
    return [c for c, t in features.schema.items() if c not in ID_COLUMNS and t.is_numeric()]


def fit_fold_features(
    fold: int,
    *,
    params: TrainParams,
    model_options: dict,
    seed: int,
    features: pl.DataFrame,
    folds: pl.DataFrame,
    live_dir: str | os.PathLike,
    model_dir: str | os.PathLike,
) -> FoldResult:
    """Fit baseline ``params.model`` on fold ``fold``'s train rows (videos and their augmented copies), log
    train/val loss, F1 and AUC as one dvclive step, write test predictions (schema PREDICTIONS) to
    ``live_dir/predictions.parquet`` and a JSON description of the fitted model to ``model_dir/baseline.json``.

    No pickle is written: a fitted pipeline refits in seconds, and loading a pickle runs code.
    Raises FvcError if the features table has non-finite values.
    """
    started = time.perf_counter()
    live_dir, model_dir = Path(live_dir), Path(model_dir)
    for stale in (live_dir, model_dir):
        shutil.rmtree(stale, ignore_errors=True)
        stale.mkdir(parents=True)
    columns = feature_columns(features)
    part, parts = fold_rows(features, folds, fold, val_fraction=params.val_fraction, seed=seed)
    data = {name: _xy(t, columns) for name, t in parts.items()}
    model = build_feature_model(params.model, seed=seed + fold, **model_options)
    model.fit(*data["train"])
    p = {name: model.predict_proba(x)[:, 1] for name, (x, _) in data.items()}

    with Live(str(live_dir), dvcyaml=False, save_dvc_exp=False, report=None) as live:
        live.log_params(
            {"fold": fold, "n_train": parts["train"].height, "n_val": len(part.val), "n_test": len(part.test)}
        )
        y_val = data["val"][1]
        for name, value in (
            ("train_loss", log_loss(data["train"][1], p["train"], labels=[0, 1])),
            ("val_loss", log_loss(y_val, p["val"], labels=[0, 1])),
            ("val_f1", f1_score(y_val, p["val"] >= params.threshold, zero_division=0)),
            ("val_auc", auc_or_nan(y_val, p["val"])),
        ):
            live.log_metric(name, float(value), plot=True)
        test_auc = auc_or_nan(data["test"][1], p["test"])
        live.summary["best_epoch"] = 0
        live.summary["test_auc"] = test_auc if not math.isnan(test_auc) else None

    test = parts["test"]
    predictions = pl.DataFrame(
        {"video_id": test["video_id"], "fold": [fold] * test.height, "label": test["label"], "p_fake": p["test"]},
        schema=PREDICTIONS,
    )
    write_parquet(predictions, live_dir / "predictions.parquet")
    kept = [columns[i] for i in model.named_steps["prune"].kept_]
    described = {
        "model": params.model,
        "options": model_options,
        "features_in": columns,
        "features_kept": kept,
        "classifier": repr(model.named_steps["classify"]),
        "n_train": parts["train"].height,
    }
    write_text(json.dumps(described, indent=2) + "\n", model_dir / "baseline.json")
    return FoldResult(
        fold=fold,
        best_epoch=0,
        epochs_run=1,
        seconds=time.perf_counter() - started,
        test_auc=test_auc,
        n_train=parts["train"].height,
        n_val=len(part.val),
        n_test=len(part.test),
    )


def _xy(table: pl.DataFrame, columns: list[str]) -> tuple[np.ndarray, np.ndarray]:
    x = table.select(columns).to_numpy().astype(np.float64)
    if not np.isfinite(x).all():
        bad = [c for c, ok in zip(columns, np.isfinite(x).all(axis=0), strict=True) if not ok]
        raise FvcError(f"data/features/features.parquet: non-finite values in column(s) {', '.join(bad)}")
    return x, (table["label"] == "fake").to_numpy().astype(np.int64)
