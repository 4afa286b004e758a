"""Canned queries over ``connect``'s views: metrics per fold, the most confident mistakes, metrics per slice.

A prediction calls a video fake when ``p_fake >= threshold`` (params.yaml's ``train.threshold``, else 0.5).
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import polars as pl
from sklearn.metrics import roc_auc_score

from fvc.analytics.views import query
from fvc.errors import FvcError
from fvc.params import load_params

# slice -> what it groups by, from the videos table (aspect_ratio and resolution are derived from width x height).
SLICES = ("aspect_ratio", "method", "source", "codec", "fps", "resolution")

# Ratios a video's W:H is named by when within 2 % of one; any other is printed to two decimals.
_NAMED_RATIOS = ((16, 9), (9, 16), (4, 3), (3, 4), (1, 1), (3, 2), (2, 3), (21, 9), (5, 4), (4, 5))


def read_threshold(root: str | os.PathLike = ".") -> float:
    """params.yaml's ``train.threshold`` under ``root``, or 0.5 when the file or the key is absent."""
    path = Path(root) / "params.yaml"
    if not path.is_file():
        return 0.5
    value = (load_params(path).get("train") or {}).get("threshold", 0.5)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FvcError(f"{path}: train.threshold = {value!r}, expected a number in [0, 1]")
    return float(value)


def per_fold(con: duckdb.DuckDBPyConnection, *, threshold: float = 0.5, root: str | os.PathLike = ".") -> pl.DataFrame:
    """One row per fold of the ``predictions`` view: fold, n, n_fake, auc (null with one class), accuracy."""
    rows = query(con, "SELECT fold, label, p_fake FROM predictions", root)
    return _metrics(rows, "fold", threshold).sort("fold")


def errors(
    con: duckdb.DuckDBPyConnection, limit: int = 10, *, threshold: float = 0.5, root: str | os.PathLike = "."
) -> pl.DataFrame:
    """The ``limit`` most confident mistakes (called the wrong class at ``threshold``), worst first.

    Columns: video_id, path (from ``videos``; null if the video is not there), label, p_fake, fold. Ordered by
    ``|p_fake - y|`` (y = 1 for fake) descending, then video_id.
    """
    if limit < 1:
        raise FvcError(f"--errors {limit}: expected a positive number of rows")
    sql = f"""
        SELECT p.video_id, v.path, p.label, p.p_fake, p.fold
        FROM predictions p LEFT JOIN videos v USING (video_id)
        WHERE (p.p_fake >= {float(threshold)!r}) <> (p.label = 'fake')
        ORDER BY abs(p.p_fake - CASE WHEN p.label = 'fake' THEN 1 ELSE 0 END) DESC, p.video_id
        LIMIT {int(limit)}
    """
    return query(con, sql, root)


def by(
    con: duckdb.DuckDBPyConnection, slice: str, *, threshold: float = 0.5, root: str | os.PathLike = "."
) -> pl.DataFrame:
    """Metrics per value of ``slice`` (one of ``SLICES``) over predictions joined with videos.

    Columns: the slice, n, n_fake, auc (null unless both classes are present), accuracy; largest slices first.
    """
    if slice not in SLICES:
        raise FvcError(f"--by {slice}: unknown slice; expected one of {', '.join(SLICES)}")
    rows = query(
        con,
        "SELECT p.label, p.p_fake, v.method, v.source, v.codec, v.fps, v.width, v.height"
        " FROM predictions p JOIN videos v USING (video_id)",
        root,
    )
    if slice == "aspect_ratio":
        key = pl.struct("width", "height").map_elements(
            lambda wh: aspect_ratio_label(wh["width"], wh["height"]), return_dtype=pl.String
        )
    elif slice == "resolution":
        key = pl.format("{}x{}", "width", "height")
    elif slice == "fps":
        key = pl.col("fps").map_elements(lambda fps: f"{round(fps, 2):g}", return_dtype=pl.String)
    else:
        key = pl.col(slice)
    rows = rows.with_columns(key.alias(slice))
    return _metrics(rows, slice, threshold).sort(["n", slice], descending=[True, False])


def aspect_ratio_label(width: int, height: int) -> str:
    """``W:H`` named by a common ratio within 2 % (16:9, 4:3, 1:1, 9:16, ...), else W/H to two decimals."""
    if not width or not height:
        return "unknown"
    ratio = width / height
    for w, h in _NAMED_RATIOS:
        if abs(ratio / (w / h) - 1) <= 0.02:
            return f"{w}:{h}"
    return f"{ratio:.2f}"


def _metrics(rows: pl.DataFrame, key: str, threshold: float) -> pl.DataFrame:
    """Group ``rows`` (label, p_fake, key) by ``key``: n, n_fake, auc (sklearn; null with one class), accuracy."""
    fake = pl.col("label") == "fake"
    counts = rows.group_by(key).agg(
        n=pl.len(),
        n_fake=fake.sum(),
        accuracy=((pl.col("p_fake") >= threshold) == fake).mean(),
        y=fake.implode(),
        p=pl.col("p_fake").implode(),
    )
    auc = [roc_auc_score(y, p) if 0 < sum(y) < len(y) else None for y, p in zip(counts["y"], counts["p"], strict=True)]
    out = counts.with_columns(auc=pl.Series(auc, dtype=pl.Float64))
    return out.select(key, "n", "n_fake", "auc", "accuracy")
