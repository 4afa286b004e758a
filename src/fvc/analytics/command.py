"""``fvc analytics``: run one query (SQL or canned) over the pipeline's outputs and print it as a table, CSV or JSON."""

from __future__ import annotations

import argparse

import polars as pl

from fvc.analytics.queries import by, errors, per_fold, read_threshold
from fvc.analytics.views import connect, query
from fvc.errors import FvcError


def run_analytics(args: argparse.Namespace) -> None:
    """Run the query ``args`` asks for (``sql``, ``per_fold``, ``errors``, ``by``) under ``args.root`` and print it in
    ``args.format``. Raises FvcError unless exactly one query is given, or for bad SQL, slices and missing files."""
    chosen = [args.sql is not None, args.per_fold, args.errors is not None, args.by is not None]
    if sum(chosen) != 1:
        raise FvcError('analytics: give one of "SQL", --per-fold, --errors [N], --by SLICE')
    con = connect(args.root)
    if args.sql is not None:
        table = query(con, args.sql, args.root)
    elif args.per_fold:
        table = per_fold(con, threshold=read_threshold(args.root), root=args.root)
    elif args.errors is not None:
        table = errors(con, args.errors, threshold=read_threshold(args.root), root=args.root)
    else:
        table = by(con, args.by, threshold=read_threshold(args.root), root=args.root)
    print(render(table, args.format), end="")


def render(table: pl.DataFrame, fmt: str) -> str:
    """``table`` as text: ``table`` (polars' printed table, every row and column), ``csv``, or ``json`` (one object
    per line). Ends with a newline unless empty."""
    if fmt == "csv":
        return table.write_csv()
    if fmt == "json":
        return table.write_ndjson()
    if fmt != "table":
        raise FvcError(f"--format {fmt}: expected table, csv or json")
    with pl.Config(
        tbl_rows=-1,
        tbl_cols=-1,
        tbl_hide_dataframe_shape=True,
        tbl_width_chars=200,
        fmt_str_lengths=80,
        float_precision=4,
    ):
        return f"{table}\n"
