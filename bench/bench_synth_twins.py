"""File-level shortcuts of a generated corpus: do the real/fake twins' files tell them apart?

For a corpus that `fvc synth` wrote (default: a fresh ``small`` one under a temporary folder), it prints
- the twins' file sizes: how often the fake is the larger file, how often they tie to the byte, the median
  and range of fake size / real size;
- whether both twins record the same x264 rate setting;
- the shortcut audit (fvc.evaluate.audit) under 5 group folds: the metadata AUC of each probe, its noise band
  (labels shuffled inside groups) and p-value;
- how long generating took, when it generated.

    python bench/bench_synth_twins.py [--corpus data/raw | --size small --identities train] [--json out.json]

Generating ``small`` takes about 15 s on 2 cores; the audit with 50 shuffles about 5 s.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from fvc.corpus.ingest import ingest
from fvc.evaluate.audit import audit, rate_setting
from fvc.folds import stratified_group_folds
from fvc.synth import generate_corpus


def twin_sizes(root: Path, videos: pl.DataFrame) -> dict:
    """Size statistics of the real/fake pairs (video ids ``<stem>_real`` / ``<stem>_fake``) of an ingested corpus."""
    table = videos.select("video_id", "path", "label", "size_bytes").with_columns(
        pl.col("video_id").str.replace(r"_(real|fake)$", "").alias("stem")
    )
    pairs = table.filter(pl.col("label") == "real").join(
        table.filter(pl.col("label") == "fake"), on="stem", suffix="_fake"
    )
    ratio = (pairs["size_bytes_fake"] / pairs["size_bytes"]).to_numpy()
    same_rate = [
        rate_setting(root / a) == rate_setting(root / b) for a, b in zip(pairs["path"], pairs["path_fake"], strict=True)
    ]
    return {
        "pairs": len(ratio),
        "fake_larger": int((ratio > 1).sum()),
        "fake_smaller": int((ratio < 1).sum()),
        "equal": int((ratio == 1).sum()),
        "median_ratio": float(np.median(ratio)),
        "min_ratio": float(ratio.min()),
        "max_ratio": float(ratio.max()),
        "same_rate_setting": int(sum(same_rate)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="an existing corpus folder (manifest.csv); else generate one")
    parser.add_argument("--size", default="small")
    parser.add_argument("--identities", default="train")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    result: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = args.corpus
        if root is None:
            root = Path(tmp) / "corpus"
            started = time.perf_counter()
            generate_corpus(root, seed=args.seed, size=args.size, identities=args.identities, workers=args.workers)
            result["generate_s"] = round(time.perf_counter() - started, 2)
        videos = ingest(root, max_pixels=10**8, workers=args.workers).videos
        result["twins"] = twin_sizes(root, videos)
        folds = stratified_group_folds(videos, n_splits=5, group_column="group", seed=42)
        report = audit(videos, folds, None, root=root, seed=42, logreg_options={}, max_metadata_auc=0.6)
        result["audit"] = {
            "metadata_auc": report["metadata_auc"],
            "linear": report["metadata_linear"]["auc_roc"],
            "trees": report["metadata_trees"]["auc_roc"],
            **{f"null_{k}": v for k, v in report["metadata_null"].items()},
        }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
