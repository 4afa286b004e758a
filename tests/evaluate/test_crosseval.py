"""The crosseval stage's scoring: every fold model scores every video of a corpus as training scored its test fold,
the ensemble is their mean, broken videos go to rejects, and the report's numbers are the metrics of those scores."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import roc_auc_score

from fvc.errors import FvcError
from fvc.evaluate.crosseval import cross_report, score_index
from fvc.predict import load_ensemble
from fvc.schema import CROSS_PREDICTIONS


def _ensemble(trained: dict, tmp_path: Path):
    for fold in (0, 1):
        (tmp_path / f"fold_{fold}").mkdir()
        shutil.copy(trained["work"] / "models" / f"fold_{fold}" / "best.pt", tmp_path / f"fold_{fold}" / "best.pt")
    return load_ensemble(tmp_path)


def test_each_fold_model_scores_as_training_scored_its_test_fold(trained: dict, tmp_path: Path) -> None:
    predictions, rejects = score_index(trained["videos"], trained["work"] / "raw", _ensemble(trained, tmp_path))
    assert rejects.height == 0 and predictions.schema == pl.Schema(CROSS_PREDICTIONS)
    assert predictions.height == trained["videos"].height
    scored = {r["video_id"]: r for r in predictions.iter_rows(named=True)}
    for fold in (0, 1):
        expected = pl.read_parquet(trained["work"] / f"live_{fold}" / "predictions.parquet")
        for video_id, p_fake in zip(expected["video_id"], expected["p_fake"], strict=True):
            assert scored[video_id]["fold_p_fake"][fold] == pytest.approx(p_fake, abs=1e-5)
    for row in scored.values():
        assert row["p_fake"] == pytest.approx(np.mean(row["fold_p_fake"]), abs=1e-12)


def test_a_video_that_does_not_decode_is_rejected_and_the_rest_scored(trained: dict, tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    shutil.copytree(trained["work"] / "raw", root)
    videos = trained["videos"].head(4)
    broken = videos["path"][1]
    (root / broken).write_bytes((root / broken).read_bytes()[:400])  # the probe's header, then nothing
    (tmp_path / "models").mkdir()
    predictions, rejects = score_index(videos, root, _ensemble(trained, tmp_path / "models"), workers=2)
    assert rejects["video_id"].to_list() == [videos["video_id"][1]]
    assert rejects["reason"][0] and "\n" not in rejects["reason"][0]
    assert sorted(predictions["video_id"]) == sorted(set(videos["video_id"]) - {videos["video_id"][1]})


def _predictions(rows: list[tuple[str, str, list[float]]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"video_id": f"v{i}", "label": label, "group": f"g{i}", "method": method, "source": "s"}
            | {"p_fake": float(np.mean(folds)), "fold_p_fake": folds}
            for i, (label, method, folds) in enumerate(rows)
        ],
        schema=CROSS_PREDICTIONS,
    )


def test_the_report_holds_the_ensemble_each_fold_model_and_each_method() -> None:
    predictions = _predictions(
        [
            ("real", "none", [0.1, 0.3]),
            ("real", "none", [0.6, 0.2]),
            ("real", "none", [0.2, 0.7]),
            ("fake", "swap", [0.9, 0.8]),
            ("fake", "swap", [0.4, 0.1]),
            ("fake", "blend", [0.7, 0.9]),
        ]
    )
    report = cross_report(predictions, threshold=0.5)
    labels = (predictions["label"] == "fake").to_numpy()
    assert report["ensemble"]["auc_roc"] == pytest.approx(roc_auc_score(labels, predictions["p_fake"]))
    per_fold = [roc_auc_score(labels, [f[k] for f in predictions["fold_p_fake"]]) for k in (0, 1)]
    assert report["fold_models"]["mean"]["auc_roc"] == pytest.approx(np.mean(per_fold))
    assert report["fold_models"]["std"]["auc_roc"] == pytest.approx(np.std(per_fold))
    swap = predictions.filter(pl.col("method").is_in(["none", "swap"]))
    assert report["methods"]["swap"]["auc_roc"] == pytest.approx(roc_auc_score(swap["label"] == "fake", swap["p_fake"]))
    assert report["methods"]["blend"] == {"auc_roc": 1.0, "recall": 1.0, "n_fake": 1}
    assert report["methods"]["swap"]["recall"] == 0.5


def test_nothing_scored_is_a_one_line_error() -> None:
    with pytest.raises(FvcError, match="no video of the corpus could be scored"):
        cross_report(pl.DataFrame(schema=CROSS_PREDICTIONS), threshold=0.5)
