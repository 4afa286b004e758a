"""Stage features@shard: videos, copies and their scaled clips -> data/features/shards/<shard>/
(cache/*.json, features.parquet, rejects.parquet). `merge.py features` joins the shards.
"""

import argparse
import time

import polars as pl

from fvc.atomic import write_parquet
from fvc.errors import run_main
from fvc.features.extract import FeatureParams, extract_features, feature_tasks
from fvc.params import index_list, load_params, load_section, require, resolve_workers
from fvc.pervideo.shards import Shard


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shard", type=int, required=True)
    params = load_params()
    shard = Shard(parser.parse_args().shard, len(index_list(params, "shards")))
    tasks = feature_tasks(
        pl.read_parquet("data/index/videos.parquet"),
        pl.read_parquet("data/augmented/augmented.parquet"),
        pl.read_parquet("data/scaled/clips.parquet"),
    )
    out = f"data/features/shards/{shard.index}"
    started = time.perf_counter()
    table, rejects, computed = extract_features(
        tasks,
        shard=shard,
        params=load_section(FeatureParams, params, "features"),
        root="data/raw",
        clip_root="data/scaled",
        cache_dir=f"{out}/cache",
        workers=resolve_workers(require(params, "workers", int)),
    )
    write_parquet(table, f"{out}/features.parquet")
    write_parquet(rejects, f"{out}/rejects.parquet")
    print(
        f"features@{shard.index}: {table.height} rows x {table.width - 2} features, {rejects.height} rejected"
        f" ({computed} computed, the rest reused) in {time.perf_counter() - started:.1f} s -> {out}/"
    )


if __name__ == "__main__":
    run_main(main)
