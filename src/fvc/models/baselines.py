"""Baselines on handcrafted features: logistic regression, an RBF SVM and histogram gradient boosting.

Each is a scikit-learn Pipeline: drop constant and collinear features, standardise, classify. The pipeline is
fitted on a fold's training part only, so the pruning and the scaling never see validation or test videos.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.utils.validation import check_is_fitted

from fvc.models.registry import register


class CollinearityPruner(TransformerMixin, BaseEstimator):
    """Keep features in column order, dropping constant ones and any whose |Pearson r| with an already kept
    feature exceeds ``max_correlation``. ``kept_`` holds the kept column indices after ``fit``.
    """

    def __init__(self, max_correlation: float = 0.95) -> None:
        self.max_correlation = max_correlation

    def fit(self, X, y=None):  # noqa: N803  (scikit-learn's argument names)
        X = np.asarray(X, dtype=np.float64)
        std = X.std(axis=0)
        candidates = np.flatnonzero(std > 1e-12)
        kept: list[int] = []
        if len(candidates):
            corr = np.abs(np.corrcoef(X[:, candidates], rowvar=False).reshape(len(candidates), len(candidates)))
            for i, column in enumerate(candidates):
                if all(corr[i, candidates.tolist().index(k)] <= self.max_correlation for k in kept):
                    kept.append(int(column))
        self.kept_ = np.asarray(kept, dtype=np.int64)
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):  # noqa: N803
        check_is_fitted(self, "kept_")
        return np.asarray(X, dtype=np.float64)[:, self.kept_]


def _pipeline(classifier, max_correlation: float) -> Pipeline:
    return Pipeline(
        [("prune", CollinearityPruner(max_correlation)), ("scale", StandardScaler()), ("classify", classifier)]
    )


@register("logreg", kind="features")
def logreg(*, seed: int = 0, C: float = 1.0, max_correlation: float = 0.95) -> Pipeline:  # noqa: N803
    """L2 logistic regression with balanced class weights."""
    clf = LogisticRegression(C=C, class_weight="balanced", max_iter=5000, random_state=seed)
    return _pipeline(clf, max_correlation)


@register("svm_rbf", kind="features")
def svm_rbf(*, seed: int = 0, C: float = 1.0, gamma: str | float = "scale", max_correlation: float = 0.95) -> Pipeline:  # noqa: N803
    """RBF-kernel SVM with balanced class weights; probabilities by Platt scaling fitted on internal 5-fold CV
    decision values (what ``SVC(probability=True)`` did before scikit-learn deprecated it).
    """
    svm = SVC(C=C, gamma=gamma, class_weight="balanced", random_state=seed)
    clf = CalibratedClassifierCV(
        svm, method="sigmoid", cv=StratifiedKFold(5, shuffle=True, random_state=seed), ensemble=False
    )
    return _pipeline(clf, max_correlation)


@register("hist_gbm", kind="features")
def hist_gbm(
    *,
    seed: int = 0,
    max_iter: int = 200,
    learning_rate: float = 0.05,
    max_leaf_nodes: int = 15,
    min_samples_leaf: int = 5,
    max_correlation: float = 0.95,
) -> Pipeline:
    """Histogram gradient boosting, balanced class weights, no internal early stopping (a fixed tree count)."""
    clf = HistGradientBoostingClassifier(
        max_iter=max_iter,
        learning_rate=learning_rate,
        max_leaf_nodes=max_leaf_nodes,
        min_samples_leaf=min_samples_leaf,
        class_weight="balanced",
        early_stopping=False,
        random_state=seed,
    )
    return _pipeline(clf, max_correlation)
