"""Collecting out-of-fold predictions: every fold must be trained, predictions must be for videos of the split."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from fvc.errors import FvcError
from fvc.evaluate.collect import collect_predictions
from fvc.schema import FOLDS, PREDICTIONS

SPLIT = pl.DataFrame(
    {
        "video_id": ["a", "b", "c", "d"],
        "group": ["ga", "gb", "gc", "gd"],
        "label": ["real", "fake", "real", "fake"],
        "fold": [0, 0, 1, 1],
    },
    schema=FOLDS,
)


def _write_predictions(train_dir: Path, fold: int, ids: list[str]) -> None:
    labels = dict(zip(SPLIT["video_id"], SPLIT["label"], strict=True))
    table = pl.DataFrame(
        {"video_id": ids, "fold": [fold] * len(ids), "label": [labels.get(v, "real") for v in ids], "p_fake": 0.5},
        schema=PREDICTIONS,
    )
    (train_dir / f"fold_{fold}").mkdir(parents=True)
    table.write_parquet(train_dir / f"fold_{fold}" / "predictions.parquet")


def test_predictions_of_all_folds_are_concatenated_by_fold_and_video(tmp_path: Path) -> None:
    _write_predictions(tmp_path, 1, ["d", "c"])
    _write_predictions(tmp_path, 0, ["b", "a"])
    predictions = collect_predictions(tmp_path, SPLIT)
    assert predictions["video_id"].to_list() == ["a", "b", "c", "d"]
    assert predictions["fold"].to_list() == [0, 0, 1, 1]


def test_a_split_video_without_a_prediction_is_reported_not_fatal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_predictions(tmp_path, 0, ["a", "b"])
    _write_predictions(tmp_path, 1, ["d"])  # c was rejected by scale or features
    predictions = collect_predictions(tmp_path, SPLIT)
    assert predictions["video_id"].to_list() == ["a", "b", "d"]
    assert "1 video(s) of the split have no prediction" in capsys.readouterr().out


def test_a_prediction_for_a_video_not_in_the_split_is_an_error(tmp_path: Path) -> None:
    _write_predictions(tmp_path, 0, ["a", "b"])
    _write_predictions(tmp_path, 1, ["c", "d", "zz"])
    with pytest.raises(FvcError, match=r"predictions for 1 video\(s\) not in the split, e.g. 'zz'"):
        collect_predictions(tmp_path, SPLIT)


def test_a_fold_of_the_split_without_predictions_is_an_error(tmp_path: Path) -> None:
    _write_predictions(tmp_path, 0, ["a", "b"])
    with pytest.raises(FvcError, match=r"fold_1.predictions.parquet: missing"):
        collect_predictions(tmp_path, SPLIT)
