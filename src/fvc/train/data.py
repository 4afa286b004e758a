"""What a fold trains, validates and tests on, and the clip dataset that feeds the model."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import torch
from sklearn.model_selection import StratifiedGroupKFold
from torch.utils.data import Dataset

from fvc.errors import FvcError


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


class ClipDataset(Dataset):
    """Scaled clips (``.npy`` files of (T, H, W, 3) uint8) as ((3, T, H, W) uint8 tensor, label, index).

    ``table`` has video_id, file, height, width, label; its row order defines the indices.
    """

    def __init__(self, table: pl.DataFrame, clip_dir: str | os.PathLike) -> None:
        self.table = table
        self.files = [Path(clip_dir) / f for f in table["file"]]
        self.labels = (table["label"] == "fake").cast(pl.Float32).to_list()
        self.shapes = list(zip(table["height"].to_list(), table["width"].to_list(), strict=True))

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, float, int]:
        frames = torch.from_numpy(np.load(self.files[index]))  # (T, H, W, 3)
        return frames.permute(3, 0, 1, 2), self.labels[index], index
