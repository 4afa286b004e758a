"""Stage augment: data/split/folds.parquet -> data/augmented/augmented.parquet (the copies' recipes).

Each copy inherits its parent's group, label and fold; a pseudo-fake (``augment.pseudo_fakes`` per real video)
inherits group and fold and is labelled fake. Scale and features materialise their frames.
"""

import time
from collections import Counter

import polars as pl

from fvc.atomic import write_parquet
from fvc.augment import Recipe
from fvc.augment.plan import AugmentParams, plan_copies
from fvc.errors import run_main
from fvc.params import load_params, require


def main() -> None:
    params = load_params()
    augment = AugmentParams(
        copies=require(params, "augment.copies", int),
        spatial_ops=require(params, "augment.spatial_ops", int),
        temporal_prob=require(params, "augment.temporal_prob", (int, float)),
        ops=tuple(require(params, "augment.ops", list)),
        pseudo_fakes=require(params, "augment.pseudo_fakes", int),
        pseudo_spatial_ops=require(params, "augment.pseudo_spatial_ops", int),
        fakes=require(params, "augment.fakes", str),
    )
    started = time.perf_counter()
    folds = pl.read_parquet("data/split/folds.parquet")
    copies = plan_copies(folds, params=augment, seed=require(params, "seed", int))
    write_parquet(copies, "data/augmented/augmented.parquet")
    names = Counter(op.name for text in copies["ops"] for op in Recipe.from_json(text).ops)
    used = ", ".join(f"{name} {n}" for name, n in names.most_common()) or "none"
    print(
        f"augment: {copies.height} copies ({names.get('selfblend', 0)} pseudo-fakes) of {folds.height} videos"
        f" in {time.perf_counter() - started:.1f} s"
        f" -> data/augmented/augmented.parquet [{used}]"
    )


if __name__ == "__main__":
    run_main(main)
