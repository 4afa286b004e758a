"""Stage scale@shard: data/index/videos.parquet + data/augmented/augmented.parquet
-> data/scaled/shards/<shard>/ (clips/*.npy, clips/faces/*.json, clips.parquet, rejects.parquet).

A shard holds the videos and copies whose id hashes to it (fvc.pervideo.shards); `merge.py scale` joins the shards.
"""

import argparse
import time

import polars as pl

from fvc.atomic import write_parquet
from fvc.clips import ScaleParams, scale_corpus
from fvc.errors import run_main
from fvc.params import index_list, load_params, load_section, require, resolve_workers
from fvc.pervideo.shards import Shard


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shard", type=int, required=True)
    params = load_params()
    shard = Shard(parser.parse_args().shard, len(index_list(params, "shards")))
    out = f"data/scaled/shards/{shard.index}"
    started = time.perf_counter()
    clips, rejects, computed = scale_corpus(
        pl.read_parquet("data/index/videos.parquet"),
        copies=pl.read_parquet("data/augmented/augmented.parquet"),
        shard=shard,
        params=load_section(ScaleParams, params, "scale"),
        root="data/raw",
        out_dir=f"{out}/clips",
        workers=resolve_workers(require(params, "workers", int)),
    )
    # Clip and face-track paths relative to data/scaled, where the merged clips.parquet lives.
    prefix = pl.lit(f"shards/{shard.index}/clips/")
    clips = clips.with_columns(
        (prefix + pl.col("file")).alias("file"), (prefix + pl.col("face_track")).alias("face_track")
    )
    write_parquet(clips, f"{out}/clips.parquet")
    write_parquet(rejects, f"{out}/rejects.parquet")
    shapes = clips.group_by("height", "width").len().sort("len", "height", descending=True)
    buckets = ", ".join(f"{r['height']}x{r['width']}: {r['len']}" for r in shapes.iter_rows(named=True))
    faces = ", ".join(
        f"{r['face']}: {r['len']}" for r in clips.group_by("face").len().sort("face").iter_rows(named=True)
    )
    print(
        f"scale@{shard.index}: {clips.height} clips, {rejects.height} rejected ({computed} decoded, the rest reused)"
        f" in {time.perf_counter() - started:.1f} s -> {out}/ [{buckets}] [face {faces}]"
    )


if __name__ == "__main__":
    run_main(main)
