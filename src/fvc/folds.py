"""Leak-free cross-validation: every group lands in exactly one test fold (classes stratified), and each
training part is split again by group for early stopping; augmented copies follow their parent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from sklearn.model_selection import StratifiedGroupKFold

from fvc.errors import FvcError
from fvc.schema import FOLDS


def stratified_group_folds(
    videos: pl.DataFrame, *, n_splits: int, group_column: str | Sequence[str], seed: int
) -> pl.DataFrame:
    """Assign each video a test fold with StratifiedGroupKFold(n_splits, shuffle=True, random_state=seed).

    ``videos`` needs video_id, label and the ``group_column`` column(s). With one column its values are the groups;
    with several, videos that share a value in any of them are linked, and a group is a connected set of linked
    videos (``linked_groups``: ``[group, source]`` keeps a source clip and a person together). Returns schema FOLDS
    (``group`` holds the groups), sorted by video_id. Raises FvcError if a column is missing, if there are fewer
    groups than folds, or if some fold would have no video of a class.
    """
    if n_splits < 2:
        raise FvcError(f"params.yaml: cv.folds lists {n_splits} fold(s), expected at least 2 ([0, 1, ...])")
    columns = [group_column] if isinstance(group_column, str) else list(group_column)
    missing = [c for c in columns if c not in videos.columns]
    if not columns or missing:
        raise FvcError(
            f"params.yaml: cv.group_column = {group_column!r}: {', '.join(missing) or 'no column'} is not a column"
            f" of the video index (columns: {', '.join(videos.columns)})"
        )
    videos = videos.sort("video_id")
    groups = linked_groups(videos, columns)
    n_groups = len(np.unique(groups))
    if n_groups < n_splits:
        raise FvcError(
            f"cv.folds lists {n_splits} folds but only {n_groups} groups when grouping by {group_column!r}:"
            f" list fewer folds or add groups"
        )
    y = (videos["label"] == "fake").cast(pl.Int8).to_numpy()
    counts = np.bincount(y, minlength=2)
    if counts.min() < n_splits:  # some fold would lack the class; StratifiedGroupKFold would raise a bare error
        lacking = ("real", "fake")[int(counts.argmin())]
        raise FvcError(
            f"cv.folds lists {n_splits} folds but only {counts.min()} {lacking} video(s): every fold needs one;"
            f" list fewer folds or add {lacking} videos"
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


def linked_groups(videos: pl.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """One group name per row of ``videos``: rows sharing a value in any of ``columns`` are in one group (connected
    components, by union-find). One column: its values as they are. Several: a group is named by its sorted values
    of the last column joined with "+" (e.g. the person, for ``[group, source]``)."""
    values = [videos[c].cast(pl.String).fill_null("").to_list() for c in columns]
    if len(columns) == 1:
        return np.asarray(values[0], dtype=object)
    parent = list(range(len(videos)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for column in values:
        first: dict[str, int] = {}
        for i, value in enumerate(column):
            j = first.setdefault(value, i)
            parent[root(i)] = root(j)
    members: dict[int, set[str]] = {}
    for i, value in enumerate(values[-1]):
        members.setdefault(root(i), set()).add(value)
    names = {r: "+".join(sorted(v)) for r, v in members.items()}
    return np.asarray([names[root(i)] for i in range(len(videos))], dtype=object)


@dataclass(frozen=True)
class FoldPartition:
    """Video ids of fold ``fold``'s three parts; disjoint, and no group in two parts."""

    fold: int
    train: list[str]
    val: list[str]
    test: list[str]


def fold_partition(folds: pl.DataFrame, fold: int, *, val_fraction: float, seed: int) -> FoldPartition:
    """Test = fold ``fold``; the rest is split by group into train and a stratified validation part of about
    ``val_fraction`` of it (StratifiedGroupKFold with round(1 / val_fraction) splits, first split), which early
    stopping watches. Raises FvcError for an unknown fold or a split that leaves a part without a class.
    """
    n_folds = folds["fold"].n_unique()
    if fold not in set(folds["fold"].to_list()):
        raise FvcError(f"fold {fold} is not in data/split/folds.parquet (folds 0..{n_folds - 1})")
    if not 0 < val_fraction < 0.5:
        raise FvcError(f"params.yaml: train.val_fraction = {val_fraction}, expected in (0, 0.5)")
    folds = folds.sort("video_id")
    test = folds.filter(pl.col("fold") == fold)
    rest = folds.filter(pl.col("fold") != fold)
    n_splits = max(2, round(1 / val_fraction))
    groups = rest["group"].to_numpy()
    if len(np.unique(groups)) < n_splits:
        raise FvcError(f"fold {fold}: too few groups outside the test fold for train.val_fraction = {val_fraction}")
    y = (rest["label"] == "fake").to_numpy().astype(int)
    counts = np.bincount(y, minlength=2)
    if counts.max() < n_splits:  # StratifiedGroupKFold would raise a bare ValueError
        raise FvcError(
            f"fold {fold}: {counts[0]} real and {counts[1]} fake videos outside the test fold, fewer than the"
            f" {n_splits} validation splits of train.val_fraction = {val_fraction}; add videos or raise it"
        )
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed + fold)
    train_idx, val_idx = next(splitter.split(np.zeros(len(y)), y, groups))
    ids = rest["video_id"].to_numpy()
    for name, idx in (("train", train_idx), ("validation", val_idx)):
        if len(set(y[idx].tolist())) < 2:
            raise FvcError(f"fold {fold}: the {name} part has only one class; add groups or change train.val_fraction")
    return FoldPartition(
        fold=fold,
        train=sorted(ids[train_idx].tolist()),
        val=sorted(ids[val_idx].tolist()),
        test=test["video_id"].to_list(),
    )


def fold_rows(
    table: pl.DataFrame, folds: pl.DataFrame, fold: int, *, val_fraction: float, seed: int
) -> tuple[FoldPartition, dict[str, pl.DataFrame]]:
    """Split ``table`` (rows per video and per augmented copy: ``video_id``, ``parent_id``, any data columns) into
    fold ``fold``'s train, val and test rows, each sorted by video_id and given the split's label, group, fold.

    The partition is made over the original videos (fold_partition). An augmented copy inherits its parent's
    label, group and fold and only ever trains: it is in the train rows exactly when its parent is, and never in
    the validation or test rows. A table without ``parent_id`` has no copies.
    """
    if "parent_id" not in table.columns:
        table = table.with_columns(pl.col("video_id").alias("parent_id"))
    split = folds.select(pl.col("video_id").alias("parent_id"), "label", "group", "fold")
    rows = table.drop("label", "group", "fold", strict=False).join(split, on="parent_id", how="inner")
    originals = rows.filter(pl.col("video_id") == pl.col("parent_id"))
    part = fold_partition(
        originals.select("video_id", "label", "group", "fold"), fold, val_fraction=val_fraction, seed=seed
    )
    parts = {
        "train": rows.filter(pl.col("parent_id").is_in(part.train)),  # the train videos and their copies
        "val": originals.filter(pl.col("video_id").is_in(part.val)),
        "test": originals.filter(pl.col("video_id").is_in(part.test)),
    }
    return part, {name: t.sort("video_id") for name, t in parts.items()}
