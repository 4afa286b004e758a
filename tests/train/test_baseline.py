"""The fold loop of the feature baselines: fit on train rows (copies included), predict the test fold's videos,
log like the CNN, describe the model in JSON and write no pickle."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from fvc.errors import FvcError
from fvc.folds import stratified_group_folds
from fvc.train import FeatureBaseline, TrainParams, run_fold
from tests.train.helpers import train_section

FEATURES = ("f_shifted", "f_noise", "f_copy_of_shifted")


def _tables() -> tuple[pl.DataFrame, pl.DataFrame]:
    """12 groups of a real and a fake video, 3 folds; features per video and one augmented copy of each.

    Fakes are shifted in ``f_shifted``; ``f_noise`` is noise; ``f_copy_of_shifted`` duplicates ``f_shifted``.
    """
    rng = np.random.default_rng(0)
    videos = pl.DataFrame(
        [
            {"video_id": f"g{g:02d}_{label}", "group": f"g{g:02d}", "label": label}
            for g in range(12)
            for label in ("real", "fake")
        ]
    )
    folds = stratified_group_folds(videos, n_splits=3, group_column="group", seed=0)
    ids = folds["video_id"].to_list()
    rows = [(v, v) for v in ids] + [(f"{v}~aug0", v) for v in ids]
    fake = np.array([parent.endswith("fake") for _, parent in rows])
    shifted = rng.normal(size=len(rows)) + 5.0 * fake
    features = pl.DataFrame(
        {
            "video_id": [v for v, _ in rows],
            "parent_id": [p for _, p in rows],
            "f_shifted": shifted,
            "f_noise": rng.normal(size=len(rows)),
            "f_copy_of_shifted": shifted,
        }
    )
    return features, folds


def _fit(tmp_path: Path, features: pl.DataFrame, folds: pl.DataFrame, fold: int = 0):
    return run_fold(
        fold,
        FeatureBaseline(),
        params=TrainParams(**train_section(model="logreg", epochs=1)),
        model_options={},
        seed=42,
        table=features,
        folds=folds,
        live_dir=tmp_path / "live",
        model_dir=tmp_path / "models" / "fold_0",
    )


@pytest.fixture
def fitted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, pl.DataFrame, object]:
    """Fold 0 fitted in ``tmp_path`` (the working directory, so dvclive finds no repository); its folds."""
    monkeypatch.chdir(tmp_path)
    features, folds = _tables()
    return tmp_path, folds, _fit(tmp_path, features, folds)


def test_predictions_are_the_test_folds_original_videos(fitted) -> None:
    root, folds, result = fitted
    predictions = pl.read_parquet(root / "live" / "predictions.parquet")
    expected = folds.filter(pl.col("fold") == 0).sort("video_id")
    assert predictions["video_id"].to_list() == expected["video_id"].to_list()
    assert not any("~aug" in v for v in predictions["video_id"])
    assert predictions["label"].to_list() == expected["label"].to_list()
    assert predictions["fold"].unique().to_list() == [0]
    assert result.n_test == expected.height


def test_the_train_rows_include_the_copies_of_the_train_videos(fitted) -> None:
    _, folds, result = fitted
    assert result.n_train == 2 * (folds.height - result.n_test - result.n_val)


def test_a_shifted_feature_is_learnt(fitted) -> None:
    _, _, result = fitted
    assert result.test_auc > 0.9


def test_dvclive_logs_one_step_of_each_metric(fitted) -> None:
    root, _, _ = fitted
    for name in ("train_loss", "val_loss", "val_f1", "val_auc"):
        steps = pl.read_csv(root / "live" / "plots" / "metrics" / f"{name}.tsv", separator="\t")
        assert steps["step"].to_list() == [0], name
    summary = json.loads((root / "live" / "metrics.json").read_text())
    assert summary["best_epoch"] == 0 and summary["test_auc"] > 0.9


def test_the_model_is_described_in_json_with_the_features_it_kept(fitted) -> None:
    root, _, _ = fitted
    described = json.loads((root / "models" / "fold_0" / "baseline.json").read_text())
    assert described["model"] == "logreg"
    assert described["features_in"] == list(FEATURES)
    assert described["features_kept"] == ["f_shifted", "f_noise"]  # the duplicate is pruned


def test_no_pickle_is_written(fitted) -> None:
    root, _, _ = fitted
    written = [p.name for p in root.rglob("*") if p.is_file()]
    assert not [n for n in written if n.endswith((".pkl", ".pickle", ".joblib", ".pt"))]


def test_a_non_finite_feature_names_the_column(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    features, folds = _tables()
    features = features.with_columns(
        pl.when(pl.col("video_id") == "g03_real").then(float("inf")).otherwise(pl.col("f_noise")).alias("f_noise")
    )
    with pytest.raises(FvcError, match=r"non-finite values in column\(s\) f_noise"):
        _fit(tmp_path, features, folds)
