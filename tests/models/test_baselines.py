"""Feature baselines: collinearity pruning, and three registered classifiers that learn a separable table."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

from fvc.errors import FvcError
from fvc.models.baselines import CollinearityPruner
from fvc.models.registry import build_feature_model, build_model, model_kind

BASELINES = ("logreg", "svm_rbf", "hist_gbm")


def _separable(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` rows of 4 features, half fake; fakes are shifted by 2 standard deviations in the first two."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    x = rng.normal(size=(n, 4))
    x[:, :2] += 2.0 * y[:, None]
    return x, y


def test_pruner_drops_a_duplicated_column() -> None:
    x = np.random.default_rng(0).normal(size=(50, 2))
    pruner = CollinearityPruner().fit(np.column_stack([x[:, 0], x[:, 1], x[:, 0]]))
    assert pruner.kept_.tolist() == [0, 1]


def test_pruner_drops_a_perfectly_correlated_column_of_either_sign() -> None:
    x = np.random.default_rng(0).normal(size=(50, 2))
    pruner = CollinearityPruner().fit(np.column_stack([x[:, 0], 3 * x[:, 0] + 1, x[:, 1], -x[:, 1]]))
    assert pruner.kept_.tolist() == [0, 2]


def test_pruner_drops_constant_columns() -> None:
    x = np.random.default_rng(0).normal(size=(50, 2))
    pruner = CollinearityPruner().fit(np.column_stack([np.full(50, 7.0), x[:, 0], np.zeros(50), x[:, 1]]))
    assert pruner.kept_.tolist() == [1, 3]


def test_pruner_keeps_independent_columns() -> None:
    x = np.random.default_rng(0).normal(size=(200, 5))
    assert CollinearityPruner().fit(x).kept_.tolist() == [0, 1, 2, 3, 4]


def test_pruner_keeps_every_column_below_the_threshold_and_drops_above_it() -> None:
    rng = np.random.default_rng(0)
    a, noise = rng.normal(size=200), rng.normal(size=200)
    b = a + 0.5 * noise  # |r| about 0.89
    assert CollinearityPruner(max_correlation=0.95).fit(np.column_stack([a, b])).kept_.tolist() == [0, 1]
    assert CollinearityPruner(max_correlation=0.8).fit(np.column_stack([a, b])).kept_.tolist() == [0]


def test_pruner_decides_on_the_fit_data_only() -> None:
    rng = np.random.default_rng(0)
    fit = rng.normal(size=(50, 1))
    pruner = CollinearityPruner().fit(np.column_stack([fit, fit]))  # duplicated when fitted
    other = rng.normal(size=(20, 2))  # independent in the data it transforms
    np.testing.assert_array_equal(pruner.transform(other), other[:, [0]])


def test_pruner_keeps_nothing_of_an_all_constant_table() -> None:
    pruner = CollinearityPruner().fit(np.ones((10, 3)))
    assert pruner.transform(np.ones((4, 3))).shape == (4, 0)


@pytest.mark.parametrize("name", BASELINES)
def test_each_baseline_learns_a_separable_table(name: str) -> None:
    x, y = _separable(80, seed=0)
    x_test, y_test = _separable(80, seed=1)
    # One thread: on a busy machine, hist_gbm's OpenMP threads spin against torch's (a second OpenMP runtime in
    # the process) and a fit of 80 rows can take minutes; a table this small gains nothing from threads anyway.
    with threadpool_limits(limits=1):
        model = build_feature_model(name, seed=0).fit(x, y)
    assert roc_auc_score(y_test, model.predict_proba(x_test)[:, 1]) > 0.9


@pytest.mark.parametrize(("name", "kind"), [*((b, "features") for b in BASELINES), ("variable_ar_cnn", "clip")])
def test_model_kind(name: str, kind: str) -> None:
    assert model_kind(name) == kind


def test_model_kind_of_an_unknown_model_names_the_param() -> None:
    with pytest.raises(FvcError, match=r"train.model = 'forest'"):
        model_kind("forest")


def test_build_model_refuses_a_features_model() -> None:
    with pytest.raises(FvcError, match="model logreg is a features model; build it with build_feature_model"):
        build_model("logreg")


def test_build_feature_model_refuses_a_clip_model() -> None:
    with pytest.raises(FvcError, match="model variable_ar_cnn is a clip model; build it with build_model"):
        build_feature_model("variable_ar_cnn")


def test_an_unknown_option_is_named_with_the_known_ones() -> None:
    with pytest.raises(FvcError, match=r"model hist_gbm has no parameter 'depth'; known: learning_rate, "):
        build_feature_model("hist_gbm", depth=3)


def test_options_reach_the_classifier() -> None:
    model = build_feature_model("logreg", C=0.25, max_correlation=0.5)
    assert model.named_steps["classify"].C == 0.25
    assert model.named_steps["prune"].max_correlation == 0.5
