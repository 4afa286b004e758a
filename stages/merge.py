"""Stage merge_scale / merge_features: join the per-shard tables of a per-video stage.

`python stages/merge.py scale` -> data/scaled/clips.parquet, data/scaled/rejects.parquet;
`python stages/merge.py features` -> data/features/features.parquet, data/features/rejects.parquet.
Only the shards that params.yaml's `shards` lists are read, so the folders of an older shard count are ignored.
"""

import argparse
from pathlib import Path

import polars as pl

from fvc.atomic import write_parquet
from fvc.errors import FvcError, run_main
from fvc.params import index_list, load_params

TABLES = {"scale": ("data/scaled", "clips.parquet"), "features": ("data/features", "features.parquet")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("stage", choices=sorted(TABLES))
    stage = parser.parse_args().stage
    root, name = TABLES[stage]
    shards = index_list(load_params(), "shards")
    for table in (name, "rejects.parquet"):
        paths = [Path(root) / "shards" / str(i) / table for i in shards]
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise FvcError(f"{missing[0]}: missing; run the {stage}@<shard> stages first (dvc repro)")
        merged = pl.concat([pl.read_parquet(p) for p in paths]).sort("video_id")
        write_parquet(merged, Path(root) / table)
        print(f"merge {stage}: {merged.height} rows from {len(shards)} shard(s) -> {Path(root) / table}")


if __name__ == "__main__":
    run_main(main)
