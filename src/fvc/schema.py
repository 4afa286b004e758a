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

# data/split/folds.parquet: one row per accepted video; fold is one of params.yaml's cv.folds (0..n-1).
FOLDS = {"video_id": pl.String, "group": pl.String, "label": pl.String, "fold": pl.Int32}

# data/augmented/augmented.parquet: the augmented copies. A copy is a recipe over its parent video (fvc.augment):
# scale and features materialise its frames. It inherits its parent's group, label and fold, and only ever trains;
# a pseudo-fake (~sbi) inherits group and fold and is labelled fake (fvc.train.pseudo).
AUGMENTED = {
    "video_id": pl.String,  # <parent_id>~aug<copy>, or <parent_id>~sbi<copy>: a pseudo-fake of a real (label fake)
    "parent_id": pl.String,
    "copy": pl.Int32,  # 0 .. augment.copies - 1 (pseudo-fakes: 0 .. augment.pseudo_fakes - 1)
    "group": pl.String,
    "label": pl.String,
    "fold": pl.Int32,
    "ops": pl.String,  # the recipe as JSON: [{"name": ..., "params": {...}}, ...], seeds included
}

# data/scaled/clips.parquet (merged from data/scaled/shards/<shard>/clips.parquet): one clip per video and
# augmented copy, stored as a (T, H, W, 3) uint8 .npy array.
CLIPS = {
    "video_id": pl.String,
    "parent_id": pl.String,  # the video itself, or the parent of an augmented copy
    "file": pl.String,  # clip file path, relative to the folder holding clips.parquet
    "frames": pl.Int32,  # T
    "snippet": pl.Int32,  # consecutive frames per snippet: T = snippets x snippet, snippets in time order
    "height": pl.Int32,  # H of the stored array (the canvas, if letterboxed)
    "width": pl.Int32,  # W of the stored array
    "content_height": pl.Int32,  # rows holding picture (equals height unless letterboxed)
    "content_width": pl.Int32,
    "face": pl.String,  # detected (cropped to the face) | fallback (no face: full frame) | off (scale.face_crop false)
    "face_track": pl.String,  # the (parent) video's face track (JSON, fvc.video.faces), relative like file; or null
}


def feature_schema(codec_cues: bool) -> dict[str, pl.DataType]:
    """Columns of data/features/features.parquet (merged from its shards): video_id, parent_id, then fvc.features'
    VIDEO_FEATURES, CLIP_FEATURES and, with ``codec_cues`` (params.yaml's features.codec_cues), CODEC_FEATURES,
    all Float64."""
    # Imported here: the feature code needs scipy and scikit-image, which readers of the other tables do not.
    from fvc.features import CLIP_FEATURES, CODEC_FEATURES, VIDEO_FEATURES

    columns = [*VIDEO_FEATURES, *CLIP_FEATURES, *(CODEC_FEATURES if codec_cues else ())]
    return {"video_id": pl.String, "parent_id": pl.String, **dict.fromkeys(columns, pl.Float64)}


# results/train/fold_k/predictions.parquet (one per fold) and results/predictions.parquet (all folds): the test
# fold's videos scored by the fold's model once training is over.
PREDICTIONS = {
    "video_id": pl.String,
    "fold": pl.Int32,
    "label": pl.String,  # real | fake
    "p_fake": pl.Float64,  # the model's probability that the video is fake
}

# results/crosseval/predictions.parquet: the fold ensemble on the crosseval corpus (fvc.evaluate.crosseval).
CROSS_PREDICTIONS = {
    "video_id": pl.String,
    "label": pl.String,  # real | fake
    "group": pl.String,
    "method": pl.String,
    "source": pl.String,
    "p_fake": pl.Float64,  # the ensemble's: the mean of fold_p_fake
    "fold_p_fake": pl.List(pl.Float64),  # each fold model's p_fake, in fold order
}

# What every fold's dvclive run logs per epoch (results/train/fold_k/plots/metrics/<name>.tsv): written by the fold
# runner (fvc.train.runner), read back by evaluate (fvc.evaluate.collect) into results/plot_data/learning_curves.csv.
LOGGED_METRICS = ("train_loss", "val_loss", "val_f1", "val_auc", "lr", "pad_fraction")
