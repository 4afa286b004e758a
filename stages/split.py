"""Stage split: data/index/videos.parquet -> data/split/folds.parquet (stratified group k-fold)."""

import polars as pl

from fvc.atomic import write_parquet
from fvc.errors import run_main
from fvc.folds import stratified_group_folds
from fvc.params import index_list, load_params, require


def main() -> None:
    params = load_params()
    folds = stratified_group_folds(
        pl.read_parquet("data/index/videos.parquet"),
        n_splits=len(index_list(params, "cv.folds")),
        group_column=require(params, "cv.group_column", (str, list)),
        seed=require(params, "seed", int),
    )
    write_parquet(folds, "data/split/folds.parquet")
    counts = folds.group_by("fold").agg(pl.len(), (pl.col("label") == "fake").sum().alias("fake")).sort("fold")
    summary = ", ".join(f"{r['fold']}: {r['len']} ({r['fake']} fake)" for r in counts.iter_rows(named=True))
    print(f"split: {folds.height} videos, {folds['group'].n_unique()} groups -> data/split/folds.parquet [{summary}]")


if __name__ == "__main__":
    run_main(main)
