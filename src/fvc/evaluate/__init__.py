"""Evaluation: video-level metrics over cross-validation folds, DVC plot data and PNG figures."""
