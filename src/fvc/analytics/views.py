"""Named DuckDB views over the files the pipeline writes, and the one way to query them with project errors.

Every view reads a file that ``dvc.yaml`` declares as an output; a view whose file is missing is left out, and a query
that names it fails with an FvcError naming the file and the stage that makes it.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import duckdb
import polars as pl

from fvc.errors import FvcError

# view -> the (file, stage) pairs it reads, relative to the repository root. `rejects` is the union of three stages'.
SOURCES: dict[str, tuple[tuple[str, str], ...]] = {
    "predictions": (("results/predictions.parquet", "evaluate"),),
    "fold_metrics": (("results/fold_metrics.json", "evaluate"),),
    "history": (("results/plot_data/learning_curves.csv", "evaluate"),),
    "videos": (("data/index/videos.parquet", "ingest"),),
    "features": (("data/features/features.parquet", "merge_features"),),
    "rejects": (
        ("data/index/rejects.parquet", "ingest"),
        ("data/scaled/rejects.parquet", "merge_scale"),
        ("data/features/rejects.parquet", "merge_features"),
    ),
    "folds": (("data/split/folds.parquet", "split"),),
    "cross_predictions": (("results/crosseval/predictions.parquet", "crosseval"),),
}

_MISSING_TABLE = re.compile(r"Table with name (\w+) does not exist", re.IGNORECASE)


def connect(root: str | os.PathLike = ".") -> duckdb.DuckDBPyConnection:
    """Return an in-memory DuckDB connection with one view per table in ``SOURCES`` whose file exists under ``root``.

    ``rejects`` has a ``stage`` column and unions whichever of its three files exist. Views read the files lazily,
    so a connection sees the files as they are when queried. Raises FvcError if a present file cannot be read.
    """
    root = Path(root)
    con = duckdb.connect()
    for name, sources in SOURCES.items():
        present = [(root / file, stage) for file, stage in sources if (root / file).is_file()]
        if not present:
            continue
        try:
            if name == "fold_metrics":
                con.register(name, _fold_metrics(present[0][0]).to_arrow())
            elif name == "history":
                con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_csv({_literal(present[0][0])}, header = true)")
            elif name == "rejects":
                parts = [f"SELECT *, '{stage}' AS stage FROM read_parquet({_literal(p)})" for p, stage in present]
                con.execute(f"CREATE VIEW {name} AS " + " UNION ALL BY NAME ".join(parts))
            else:
                con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet({_literal(present[0][0])})")
        except duckdb.Error as err:
            files = ", ".join(str(p) for p, _ in present)
            raise FvcError(f"{files}: unreadable ({_first_line(err)})") from None
    return con


def query(con: duckdb.DuckDBPyConnection, sql: str, root: str | os.PathLike = ".") -> pl.DataFrame:
    """Run ``sql`` on a ``connect(root)`` connection and return the result (empty for statements without one).

    Raises FvcError with DuckDB's first line for bad SQL, or naming the missing file and the stage that makes it
    (``run `dvc repro <stage>```) when the query names a view whose file is missing.
    """
    try:
        relation = con.sql(sql)
        return pl.DataFrame() if relation is None else relation.pl()
    except duckdb.CatalogException as err:
        match = _MISSING_TABLE.search(str(err))
        if match and match.group(1).lower() in SOURCES:
            raise FvcError(missing_message(match.group(1).lower(), root)) from None
        raise FvcError(_first_line(err)) from None
    except duckdb.Error as err:
        raise FvcError(_first_line(err)) from None


def missing_message(view: str, root: str | os.PathLike = ".") -> str:
    """One line naming the files of ``view`` missing under ``root`` and the stages that make them."""
    missing = [(file, stage) for file, stage in SOURCES[view] if not (Path(root) / file).is_file()]
    files = ", ".join(file for file, _ in missing)
    stages = " ".join(dict.fromkeys(stage for _, stage in missing))
    return f"{files}: missing; run `dvc repro {stages}` (needed by the view {view})"


def _fold_metrics(path: Path) -> pl.DataFrame:
    """fold_metrics.json's ``fold_k`` entries as one row per fold: ``fold`` then its scalar metrics (lists dropped)."""
    try:
        folds = json.loads(path.read_text(encoding="utf-8"))
        rows = [
            {"fold": int(key.removeprefix("fold_"))}
            | {k: v for k, v in metrics.items() if isinstance(v, int | float) and not isinstance(v, bool)}
            for key, metrics in folds.items()
        ]
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise FvcError(f"{path}: expected {{'folds': {{'fold_k': {{metric: value}}}}}} ({err})") from None
    return pl.DataFrame(rows).sort("fold") if rows else pl.DataFrame({"fold": []}, schema={"fold": pl.Int64})


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _first_line(err: BaseException) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
