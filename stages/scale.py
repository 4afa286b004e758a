"""Stage scale: data/index/videos.parquet -> data/scaled/clips/*.npy, data/scaled/clips.parquet, rejects."""

import time

import polars as pl

from fvc.atomic import write_parquet
from fvc.data.scale import ScaleParams, scale_corpus
from fvc.errors import run_main
from fvc.params import load_params, require, resolve_workers


def main() -> None:
    params = load_params()
    scale = ScaleParams(
        frames=require(params, "scale.frames", int),
        snippet=require(params, "scale.snippet", int),
        max_dim=require(params, "scale.max_dim", int),
        multiple_of=require(params, "scale.multiple_of", int),
        interpolation=require(params, "scale.interpolation", str),
        letterbox=require(params, "scale.letterbox", bool),
    )
    started = time.perf_counter()
    clips, rejects, computed = scale_corpus(
        pl.read_parquet("data/index/videos.parquet"),
        params=scale,
        root="data/raw",
        out_dir="data/scaled/clips",
        workers=resolve_workers(require(params, "workers", int)),
    )
    write_parquet(clips, "data/scaled/clips.parquet")
    write_parquet(rejects, "data/scaled/rejects.parquet")
    shapes = clips.group_by("height", "width").len().sort("len", descending=True)
    buckets = ", ".join(f"{r['height']}x{r['width']}: {r['len']}" for r in shapes.iter_rows(named=True))
    print(
        f"scale: {clips.height} clips, {rejects.height} rejected ({computed} decoded, the rest reused from cache)"
        f" in {time.perf_counter() - started:.1f} s -> data/scaled/ [{buckets}]"
    )


if __name__ == "__main__":
    run_main(main)
