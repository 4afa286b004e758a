"""Training a fold: the fold runner (``runner``), its two strategies (``clip_model``: torch clip models epoch by
epoch; ``baseline``: scikit-learn on handcrafted features), and the pieces of the loop (buckets, dataset, schedule,
early stopping)."""

from fvc.train.baseline import FeatureBaseline
from fvc.train.clip_model import ClipModelTraining
from fvc.train.params import TrainParams
from fvc.train.runner import FoldResult, run_fold

__all__ = ["ClipModelTraining", "FeatureBaseline", "FoldResult", "TrainParams", "run_fold"]
