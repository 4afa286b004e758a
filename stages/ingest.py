"""Stage ingest: data/raw (a corpus in layout `ingest.layout`) -> data/index/videos.parquet, data/index/rejects.parquet.

data/index/cache holds each file's probe outcome (a DVC persist output the stage owns): a rerun probes only new or
changed files.
"""

import time

from fvc.atomic import write_parquet
from fvc.corpus.ingest import ingest
from fvc.errors import run_main
from fvc.params import load_params, require, resolve_workers


def main() -> None:
    params = load_params()
    started = time.perf_counter()
    result = ingest(
        "data/raw",
        layout=require(params, "ingest.layout", str),
        options=require(params, "ingest.options", dict),
        max_pixels=require(params, "ingest.max_pixels", int),
        workers=resolve_workers(require(params, "workers", int)),
        cache_dir="data/index/cache",
    )
    write_parquet(result.videos, "data/index/videos.parquet")
    write_parquet(result.rejects, "data/index/rejects.parquet")
    print(
        f"ingest: {result.videos.height} accepted, {result.rejects.height} rejected"
        f" in {time.perf_counter() - started:.1f} s -> data/index/"
    )
    for row in result.rejects.head(10).iter_rows(named=True):
        print(f"  rejected {row['path']}: {row['reason']}")


if __name__ == "__main__":
    run_main(main)
