"""Leak-free cross-validation folds: every group lands in exactly one fold, classes stratified."""

from __future__ import annotations

import numpy as np
import polars as pl
from sklearn.model_selection import StratifiedGroupKFold

from fvc.errors import FvcError
from fvc.schema import FOLDS


def stratified_group_folds(videos: pl.DataFrame, *, n_splits: int, group_column: str, seed: int) -> pl.DataFrame:
    """Assign each video a test fold with StratifiedGroupKFold(n_splits, shuffle=True, random_state=seed).

    ``videos`` needs video_id, label and ``group_column``. Returns schema FOLDS (the ``group`` column holds
    the values of ``group_column``), sorted by video_id. Raises FvcError if the column is missing, if there
    are fewer groups than folds, or if some fold would have no video of a class.
    """
    if n_splits < 2:
        raise FvcError(f"params.yaml: cv.n_splits = {n_splits}, expected at least 2")
    if group_column not in videos.columns:
        raise FvcError(
            f"params.yaml: cv.group_column = {group_column!r} is not a column of the video index"
            f" (columns: {', '.join(videos.columns)})"
        )
    videos = videos.sort("video_id")
    groups = videos[group_column].cast(pl.String).to_numpy()
    n_groups = len(np.unique(groups))
    if n_groups < n_splits:
        raise FvcError(
            f"cv.n_splits = {n_splits} but only {n_groups} distinct values of {group_column!r}:"
            f" lower cv.n_splits or add groups"
        )
    y = (videos["label"] == "fake").cast(pl.Int8).to_numpy()
    counts = np.bincount(y, minlength=2)
    if counts.min() < n_splits:  # some fold would lack the class; StratifiedGroupKFold would raise a bare error
        lacking = ("real", "fake")[int(counts.argmin())]
        raise FvcError(
            f"cv.n_splits = {n_splits} but only {counts.min()} {lacking} video(s): every fold needs one;"
            f" lower cv.n_splits or add {lacking} videos"
        )
    fold = np.full(len(videos), -1, dtype=np.int32)
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    for k, (_, test) in enumerate(splitter.split(np.zeros(len(y)), y, groups)):
        fold[test] = k
    for k in range(n_splits):
        classes = set(y[fold == k].tolist())
        if classes != {0, 1}:
            lacking = "fake" if 1 not in classes else "real"
            raise FvcError(
                f"fold {k} of {n_splits} has no {lacking} video when grouping by {group_column!r}:"
                f" lower cv.n_splits or add {lacking} videos to more groups"
            )
    return pl.DataFrame(
        {"video_id": videos["video_id"], "group": groups, "label": videos["label"], "fold": fold}, schema=FOLDS
    )
