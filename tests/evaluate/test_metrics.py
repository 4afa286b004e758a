"""Specification of fvc.evaluate.metrics: video-level metrics, their CV summary and metrics.json."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from fvc.errors import FvcError
from fvc.evaluate.metrics import (
    binary_metrics,
    build_metrics_report,
    cv_summary,
    equal_error_rate,
    normalise_predictions,
    write_json,
)
from tests.evaluate.predictions import predictions_frame


def test_perfect_scores_give_auc_1_eer_0_f1_1():
    m = binary_metrics([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
    assert (m["auc_roc"], m["ap"], m["eer"], m["f1"], m["accuracy"]) == (1.0, 1.0, 0.0, 1.0, 1.0)
    assert m["confusion_matrix"] == [[2, 0], [0, 2]]


def test_inverted_scores_give_auc_0_and_eer_1():
    m = binary_metrics([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1])
    assert m["auc_roc"] == 0.0
    assert m["eer"] == 1.0
    assert m["f1"] == 0.0


def test_matches_scikit_learn_on_a_random_case():
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 50)
    p = rng.random(50)
    m = binary_metrics(y, p, threshold=0.4)
    pred = (p >= 0.4).astype(int)
    assert m["auc_roc"] == pytest.approx(skm.roc_auc_score(y, p))
    assert m["ap"] == pytest.approx(skm.average_precision_score(y, p))
    assert m["f1"] == pytest.approx(skm.f1_score(y, pred))
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(y, pred))
    assert m["precision"] == pytest.approx(skm.precision_score(y, pred))
    assert m["recall"] == pytest.approx(skm.recall_score(y, pred))
    assert m["log_loss"] == pytest.approx(skm.log_loss(y, p))
    assert m["confusion_matrix"] == skm.confusion_matrix(y, pred).tolist()
    assert (m["n"], m["n_fake"], m["n_real"]) == (50, int(y.sum()), 50 - int(y.sum()))


def test_a_score_equal_to_the_threshold_is_called_fake():
    assert binary_metrics([0, 1], [0.2, 0.5], threshold=0.5)["tp"] == 1


def test_eer_interpolates_between_roc_points():
    # One real (of 4) outranks the only fake. ROC corners (0,0) (.25,0) (.25,1) (1,1); FNR goes 1 -> 0 while FPR
    # stays .25, so FPR = FNR = .25 on that vertical segment.
    assert equal_error_rate([0, 0, 0, 0, 1], [0.1, 0.2, 0.3, 0.8, 0.5]) == pytest.approx(0.25)


def test_eer_of_tied_scores_is_one_half():
    # A single tie is the chance diagonal from (0,0) to (1,1): it crosses FPR = FNR halfway.
    assert equal_error_rate([0, 1], [0.5, 0.5]) == pytest.approx(0.5)


def test_eer_on_an_exact_roc_point():
    # ROC (0,0) (0,.5) (.5,.5) (.5,1) (1,1): at (.5,.5) FPR = FNR = .5 with no interpolation.
    assert equal_error_rate([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9]) == 0.5


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 20)), min_size=2, max_size=30))
def test_reversing_the_scores_mirrors_auc_and_eer(rows):
    labels = [y for y, _ in rows]
    if len(set(labels)) < 2:
        labels[0], labels[1] = 0, 1
    scores = np.array([k for _, k in rows]) / 20
    reversed_scores = (20 - np.array([k for _, k in rows])) / 20
    m, r = binary_metrics(labels, scores), binary_metrics(labels, reversed_scores)
    assert 0.0 <= m["eer"] <= 1.0
    assert r["eer"] == pytest.approx(1 - m["eer"])
    assert r["auc_roc"] == pytest.approx(1 - m["auc_roc"])


def test_single_class_gives_nan_ranking_metrics_written_as_null(tmp_path: Path):
    m = binary_metrics([1, 1, 1], [0.9, 0.4, 0.7])
    assert math.isnan(m["auc_roc"]) and math.isnan(m["ap"]) and math.isnan(m["eer"])
    assert m["recall"] == pytest.approx(2 / 3)
    path = write_json(m, tmp_path / "m.json")
    text = path.read_text()
    assert "NaN" not in text
    loaded = json.loads(text)
    assert loaded["auc_roc"] is None and loaded["ap"] is None and loaded["eer"] is None


def test_string_labels_are_real_and_fake():
    assert binary_metrics(["real", "fake"], [0.2, 0.7]) == binary_metrics([0, 1], [0.2, 0.7])


@pytest.mark.parametrize(
    ("y_true", "p_fake", "named"),
    [
        ([0, 1, 1], [0.2, 0.8], "label and p_fake have different lengths"),
        ([0, 2], [0.2, 0.8], "label"),
        (["real", "maybe"], [0.2, 0.8], "label"),
        ([0, 1], [0.2, float("nan")], "p_fake"),
        ([0, 1], [0.2, 1.5], "p_fake"),
        ([], [], "empty"),
    ],
)
def test_invalid_inputs_raise_fvc_error_naming_the_column(y_true, p_fake, named):
    with pytest.raises(FvcError, match=named):
        binary_metrics(y_true, p_fake)


def test_threshold_outside_unit_interval_is_refused():
    with pytest.raises(FvcError, match="threshold"):
        binary_metrics([0, 1], [0.2, 0.8], threshold=1.5)


def test_cv_summary_means_and_population_std_ignore_nan_folds():
    per_fold = {
        0: {"auc_roc": 0.6, "f1": 0.5, "n": 10, "confusion_matrix": [[3, 1], [2, 4]]},
        1: {"auc_roc": 0.8, "f1": 0.7, "n": 12, "confusion_matrix": [[5, 0], [1, 6]]},
        2: {"auc_roc": math.nan, "f1": 0.9, "n": 4, "confusion_matrix": [[0, 0], [1, 3]]},
    }
    summary = cv_summary(per_fold)
    assert summary["mean"]["auc_roc"] == pytest.approx(0.7)
    assert summary["std"]["auc_roc"] == pytest.approx(0.1)  # ddof=0: sqrt(((.1)^2 + (.1)^2) / 2)
    assert summary["mean"]["f1"] == pytest.approx(0.7)
    assert summary["std"]["f1"] == pytest.approx(np.std([0.5, 0.7, 0.9]))
    assert "n" not in summary["mean"]  # counts are pooled, not averaged
    assert summary["confusion_matrix"] == [[8, 1], [4, 13]]
    assert summary["n_folds"] == 3


def test_cv_summary_of_a_metric_nan_in_every_fold_is_nan():
    summary = cv_summary({0: {"auc_roc": math.nan}, 1: {"auc_roc": math.nan}})
    assert math.isnan(summary["mean"]["auc_roc"]) and math.isnan(summary["std"]["auc_roc"])


def test_cv_summary_of_no_folds_is_refused():
    with pytest.raises(FvcError, match="no folds"):
        cv_summary({})


def test_metrics_report_has_mean_std_pooled_and_one_entry_per_fold():
    report = build_metrics_report(predictions_frame(folds=3))
    assert set(report) == {"mean", "std", "pooled", "folds"}
    assert list(report["folds"]) == ["fold_0", "fold_1", "fold_2"]
    assert set(report["mean"]) == set(report["std"]) == {
        "auc_roc", "ap", "eer", "f1", "accuracy", "precision", "recall", "log_loss"
    }  # fmt: skip
    assert report["pooled"]["n"] == 24
    assert set(report["pooled"]) == set(report["folds"]["fold_0"])


def test_pooled_confusion_matrix_is_the_sum_of_the_folds():
    report = build_metrics_report(predictions_frame())
    summed = np.sum([f["confusion_matrix"] for f in report["folds"].values()], axis=0).tolist()
    assert report["pooled"]["confusion_matrix"] == summed


def test_pooled_metrics_are_computed_on_the_concatenated_predictions():
    frame = predictions_frame()
    report = build_metrics_report(frame)
    y = (frame["label"] == "fake").to_numpy()
    assert report["pooled"]["auc_roc"] == pytest.approx(skm.roc_auc_score(y, frame["p_fake"].to_numpy()))


def test_integer_and_string_labels_give_the_same_report():
    frame = predictions_frame()
    as_int = frame.with_columns((pl.col("label") == "fake").cast(pl.Int8).alias("label"))
    assert build_metrics_report(as_int) == build_metrics_report(frame)


def test_missing_column_is_named():
    with pytest.raises(FvcError, match="p_fake"):
        normalise_predictions(predictions_frame().drop("p_fake"))


def test_duplicated_video_is_refused():
    frame = predictions_frame()
    with pytest.raises(FvcError, match="v000"):
        normalise_predictions(pl.concat([frame, frame.head(1)]))


def test_bad_label_in_a_frame_names_the_column():
    frame = predictions_frame().with_columns(pl.lit("unknown").alias("label"))
    with pytest.raises(FvcError, match="label"):
        build_metrics_report(frame)


def test_write_json_sorts_keys_rounds_floats_and_converts_numpy(tmp_path: Path):
    path = write_json({"b": np.float32(0.5), "a": 1 / 3, "c": [np.int64(2), math.inf]}, tmp_path / "out" / "x.json")
    assert path.read_text() == '{\n  "a": 0.333333,\n  "b": 0.5,\n  "c": [\n    2,\n    null\n  ]\n}\n'
    assert [p.name for p in path.parent.iterdir()] == ["x.json"]  # no temporary file left behind


def test_method_metrics_rank_each_method_against_the_reals_fold_by_fold():
    from fvc.evaluate.metrics import method_metrics

    # Two folds. "swap" fakes score above every real; "blend" fakes sit below the reals in fold 0 and above in fold 1.
    rows = [
        ("r0", 0, "real", 0.4, "none"), ("r1", 0, "real", 0.5, "none"),
        ("s0", 0, "fake", 0.9, "swap"), ("b0", 0, "fake", 0.1, "blend"),
        ("r2", 1, "real", 0.3, "none"), ("r3", 1, "real", 0.2, "none"),
        ("s1", 1, "fake", 0.8, "swap"), ("b1", 1, "fake", 0.7, "blend"),
    ]  # fmt: skip
    predictions = pl.DataFrame(
        {"video_id": [r[0] for r in rows], "fold": [r[1] for r in rows], "label": [r[2] for r in rows],
         "p_fake": [r[3] for r in rows]}
    )  # fmt: skip
    methods = pl.DataFrame({"video_id": [r[0] for r in rows], "method": [r[4] for r in rows]})
    out = method_metrics(predictions, methods)
    assert sorted(out) == ["blend", "swap"]
    assert out["swap"]["auc_mean"] == 1.0 and out["swap"]["auc_std"] == 0.0 and out["swap"]["n_fake"] == 2
    assert out["blend"]["auc_mean"] == 0.5 and out["blend"]["auc_std"] == 0.5  # folds 0.0 and 1.0
    assert out["blend"]["n_folds"] == 2
    # Pooled: blend's 0.1 is below all four reals, 0.7 above all: 4 of 8 pairs.
    assert out["blend"]["auc_pooled"] == 0.5
