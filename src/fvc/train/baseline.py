"""The fold strategy of the feature baselines: fit a scikit-learn pipeline on a fold's training rows (videos and
their augmented copies) and score its validation and test videos, logged like a clip model's single epoch.

No pickle is written: a fitted pipeline refits in seconds, and loading a pickle runs code.
``models/fold_k/baseline.json`` describes the fitted model instead.
"""

from __future__ import annotations

import json

import numpy as np
import polars as pl
from sklearn.metrics import f1_score, log_loss

from fvc.atomic import write_text
from fvc.errors import FvcError
from fvc.models.registry import build_feature_model
from fvc.train.runner import EpochLog, Fitted, FoldRun, auc_or_nan

ID_COLUMNS = ("video_id", "parent_id", "label", "group", "fold", "copy")


def feature_columns(features: pl.DataFrame) -> list[str]:
    """The numeric feature columns of a features table, in its order (identifiers excluded)."""
    return [c for c, t in features.schema.items() if c not in ID_COLUMNS and t.is_numeric()]


class FeatureBaseline:
    """Fit ``train.model`` (a registered feature model) once; one logged step; never resumed."""

    resumable = False

    def fit(self, run: FoldRun, log: EpochLog, resumed: dict | None) -> Fitted:
        """Fit on the train rows, log train/val loss, F1 and AUC, describe the model; FvcError for non-finite
        feature values."""
        params = run.params
        columns = feature_columns(run.parts["train"])
        data = {name: _xy(t, columns) for name, t in run.parts.items()}
        model = build_feature_model(params.model, seed=run.seed + run.fold, **run.model_options)
        model.fit(*data["train"])
        p = {name: model.predict_proba(x)[:, 1] for name, (x, _) in data.items()}
        y_val = data["val"][1]
        log.log(
            train_loss=log_loss(data["train"][1], p["train"], labels=[0, 1]),
            val_loss=log_loss(y_val, p["val"], labels=[0, 1]),
            val_f1=f1_score(y_val, p["val"] >= params.threshold, zero_division=0),
            val_auc=auc_or_nan(y_val, p["val"]),
        )
        described = {
            "model": params.model,
            "options": run.model_options,
            "features_in": columns,
            "features_kept": [columns[i] for i in model.named_steps["prune"].kept_],
            "classifier": repr(model.named_steps["classify"]),
            "n_train": run.parts["train"].height,
        }
        write_text(json.dumps(described, indent=2) + "\n", run.model_dir / "baseline.json")
        return Fitted(best_epoch=0, epochs_run=1, p_test=p["test"])


def _xy(table: pl.DataFrame, columns: list[str]) -> tuple[np.ndarray, np.ndarray]:
    x = table.select(columns).to_numpy().astype(np.float64)
    if not np.isfinite(x).all():
        bad = [c for c, ok in zip(columns, np.isfinite(x).all(axis=0), strict=True) if not ok]
        raise FvcError(f"data/features/features.parquet: non-finite values in column(s) {', '.join(bad)}")
    return x, (table["label"] == "fake").to_numpy().astype(np.int64)
