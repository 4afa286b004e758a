"""The clip dataset that feeds a clip model: scaled clips as uint8 tensors, in a table's row order."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import polars as pl
import torch
from torch.utils.data import Dataset


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
