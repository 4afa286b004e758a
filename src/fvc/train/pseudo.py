"""Pseudo-fakes in a fold: which rows train and validate, with what label, and how they enter an epoch.

A pseudo-fake (``fvc.augment.plan.pseudo_fake_id``: ``<real>~sbi<k>``) is a self-blended copy of a real video,
labelled fake. ``fvc.folds.fold_rows`` gives every copy its parent's label; ``fold_parts`` corrects that for
pseudo-fakes and applies ``augment.fakes``:

- ``real+pseudo``: the fold's train part as fold_rows gives it, plus its reals' pseudo-fakes; validation and test
  are the original videos. A pseudo-fake trains only in folds whose training part holds its parent.
- ``pseudo`` (SBI's protocol): the training part's real fakes and their copies are dropped, so training sees reals
  and pseudo-fakes only. Validation (early stopping) is the validation part's reals plus *their* pseudo-fakes, so
  real fakes are never seen before the test fold is scored (which alone holds real fakes).

In an epoch (``train.copy_sampling: view``) a pseudo-fake is never a view of its real parent (it would train
with the wrong label): each real trains once as itself or a plain copy, and once more as one of its pseudo-fakes
(``view_key``); ``epoch_labels`` gives the labels an epoch sees, from which class weighting is computed.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from fvc.augment.plan import FAKES, PSEUDO_ID
from fvc.errors import FvcError
from fvc.folds import FoldPartition, fold_rows

PSEUDO_VIEW = "~sbi"  # the suffix of a real's pseudo-fake view group (view_key)


def pseudo_mask(video_ids: pl.Series) -> pl.Series:
    """True for the ids of pseudo-fakes (``fvc.augment.plan.is_pseudo_fake``)."""
    return video_ids.str.contains(PSEUDO_ID.pattern)


def fold_parts(
    table: pl.DataFrame,
    folds: pl.DataFrame,
    fold: int,
    *,
    val_fraction: float,
    seed: int,
    fakes: str = "real+pseudo",
    fake_methods: str | tuple[str, ...] = "all",
    methods: pl.DataFrame | None = None,
) -> tuple[FoldPartition, dict[str, pl.DataFrame]]:
    """``fvc.folds.fold_rows`` with pseudo-fakes labelled fake and ``fakes`` (augment.fakes) applied (see the
    module docstring), then ``fake_methods`` (train.fake_methods): unless ``all``, the fakes of other methods, and
    their copies, are dropped from training and validation (the test part keeps them: leave-one-method-out).
    ``methods`` maps video_id to method (the video index), needed then. Raises FvcError for an unknown ``fakes``,
    ``pseudo`` when the training part holds no pseudo-fake (``augment.pseudo_fakes`` is 0, or their clips were
    not made), or a ``fake_methods`` entry the corpus does not have.
    """
    if fakes not in FAKES:
        raise FvcError(f"params.yaml: augment.fakes = {fakes!r}, expected one of {', '.join(FAKES)}")
    partition, parts = _parts(table, folds, fold, val_fraction, seed, fakes)
    if fake_methods == "all":
        return partition, parts
    if methods is None:
        raise ValueError("fold_parts: train.fake_methods needs the videos' methods")
    fake = folds.filter(pl.col("label") == "fake").join(methods.select("video_id", "method"), on="video_id", how="left")
    known = sorted(m for m in fake["method"].unique().to_list() if m is not None)
    unknown = sorted(set(fake_methods) - set(known))
    if unknown:
        raise FvcError(
            f"params.yaml: train.fake_methods has {', '.join(unknown)}, not a method of this corpus's fakes"
            f" ({', '.join(known)})"
        )
    left_out = fake.filter(~pl.col("method").is_in(list(fake_methods)))["video_id"].implode()
    keep = ~pl.col("parent_id").is_in(left_out) if "parent_id" in parts["train"].columns else pl.lit(True)
    train = parts["train"].filter(keep & ~pl.col("video_id").is_in(left_out))
    val = parts["val"].filter(~pl.col("video_id").is_in(left_out))
    return partition, {"train": train, "val": val, "test": parts["test"]}


def _parts(
    table: pl.DataFrame, folds: pl.DataFrame, fold: int, val_fraction: float, seed: int, fakes: str
) -> tuple[FoldPartition, dict[str, pl.DataFrame]]:
    """fold_rows with pseudo-fakes labelled fake and ``fakes`` applied (the module docstring)."""
    partition, parts = fold_rows(table, folds, fold, val_fraction=val_fraction, seed=seed)
    fake = pl.when(pseudo_mask(pl.col("video_id"))).then(pl.lit("fake")).otherwise(pl.col("label")).alias("label")
    train = parts["train"].with_columns(fake)
    if fakes == "real+pseudo":
        return partition, {**parts, "train": train}
    reals = folds.filter(pl.col("label") == "real")["video_id"]
    train = train.filter(pl.col("parent_id").is_in(reals.implode()))
    if not pseudo_mask(train["video_id"]).any():
        raise FvcError(
            f"augment.fakes = pseudo: fold {fold}'s training part has no pseudo-fake to train on as fake;"
            " set augment.pseudo_fakes >= 1 (and make their clips: they need face tracks)"
        )
    val = parts["val"].filter(pl.col("label") == "real")
    if "parent_id" in table.columns:
        split = folds.select(pl.col("video_id").alias("parent_id"), "group", "fold")
        pseudo_val = (
            table.filter(pseudo_mask(pl.col("video_id")) & pl.col("parent_id").is_in(list(partition.val)))
            .drop("label", "group", "fold", strict=False)
            .join(split, on="parent_id", how="inner")
            .with_columns(pl.lit("fake").alias("label"))
            .select(val.columns)
        )
        val = pl.concat([val, pseudo_val]).sort("video_id")
    return partition, {"train": train.sort("video_id"), "val": val, "test": parts["test"]}


def view_key(video_id: str, parent_id: str) -> str:
    """The view group of a training row under ``copy_sampling: view``: an epoch draws one row per group. A video
    and its plain copies share their parent's group; a real's pseudo-fakes form a group of their own."""
    return parent_id + PSEUDO_VIEW if PSEUDO_ID.search(video_id) else parent_id


def view_groups(rows: pl.DataFrame) -> dict[str, list[int]]:
    """Row indices of ``rows`` (video_id, parent_id) by view group (``view_key``), groups in first-seen order."""
    groups: dict[str, list[int]] = {}
    keys = map(view_key, rows["video_id"].to_list(), rows["parent_id"].to_list())
    for index, key in enumerate(keys):
        groups.setdefault(key, []).append(index)
    return groups


def epoch_labels(rows: pl.DataFrame, copy_sampling: str) -> np.ndarray:
    """1 (fake) or 0 (real) for each clip one epoch trains on: every row (``all``), or one per view group
    (``view``; a group's rows share a label). Class weighting balances these, the classes the model sees."""
    labels = (rows["label"] == "fake").to_numpy().astype(np.int64)
    if copy_sampling == "all" or "parent_id" not in rows.columns:
        return labels
    return np.asarray([labels[members[0]] for members in view_groups(rows).values()], dtype=np.int64)
