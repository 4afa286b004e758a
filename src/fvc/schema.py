"""Column schemas of the tables that cross stage boundaries (parquet, written with polars).

Each table's columns are documented here once; stages and tests import these names.
"""

from __future__ import annotations

import polars as pl

# data/raw/manifest.csv: the corpus as a user (or `fvc synth`) describes it.
MANIFEST_REQUIRED = ("video_id", "path", "label", "group")
MANIFEST_OPTIONAL = ("method", "source")
LABELS = ("real", "fake")

# data/index/videos.parquet: accepted videos, the manifest's columns plus the probe's.
PROBE = {
    "width": pl.Int32,  # displayed width, after rotation metadata is applied
    "height": pl.Int32,  # displayed height, after rotation metadata is applied
    "rotation": pl.Int32,  # degrees from the stream's display matrix (0, 90, 180, 270)
    "fps": pl.Float64,  # average frame rate
    "frame_count": pl.Int64,  # frames in the stream (container count, or counted by demuxing)
    "duration_s": pl.Float64,
    "codec": pl.String,
    "pix_fmt": pl.String,
    "size_bytes": pl.Int64,
    "content_hash": pl.String,  # sha256 of the file's bytes: the per-video key of incremental stages
}
VIDEOS = {
    "video_id": pl.String,
    "path": pl.String,  # relative to the corpus root
    "label": pl.String,  # real | fake
    "group": pl.String,
    "method": pl.String,
    "source": pl.String,
    **PROBE,
}

# data/index/rejects.parquet: files that were not accepted, with a one-line reason.
REJECTS = {"video_id": pl.String, "path": pl.String, "reason": pl.String}

# data/split/folds.parquet: one row per accepted video; fold in [0, n_splits).
FOLDS = {"video_id": pl.String, "group": pl.String, "label": pl.String, "fold": pl.Int32}

# data/augmented/augmented.parquet: the augmented copies. A copy is a recipe over its parent video (fvc.augment):
# scale and features materialise its frames. It inherits its parent's group, label and fold, and only ever trains.
AUGMENTED = {
    "video_id": pl.String,  # <parent_id>~aug<copy>
    "parent_id": pl.String,
    "copy": pl.Int32,  # 0 .. augment.copies - 1
    "group": pl.String,
    "label": pl.String,
    "fold": pl.Int32,
    "ops": pl.String,  # the recipe as JSON: [{"name": ..., "params": {...}}, ...], seeds included
}
