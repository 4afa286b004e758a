"""The review report: the paired bootstrap tells noise from a real change, and the report (markdown and HTML) holds
every part whose files exist; the HTML draws every plot in a headless browser."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from fvc.analytics.bootstrap import compare
from fvc.analytics.report import build, to_markdown
from fvc.cli import main
from fvc.errors import FvcError
from fvc.schema import PREDICTIONS


def _predictions(seed: int = 0, n_folds: int = 5, per_fold: int = 20, separation: float = 1.0) -> pl.DataFrame:
    """Out-of-fold predictions whose fakes score ``separation`` standard deviations above the reals."""
    rng = np.random.default_rng(seed)
    rows = []
    for fold in range(n_folds):
        for i in range(per_fold):
            fake = i % 2
            z = rng.normal(separation * fake, 1.0)
            rows.append((f"v{fold}_{i:02d}", fold, ("real", "fake")[fake], float(1 / (1 + np.exp(-z)))))
    return pl.DataFrame(rows, schema=PREDICTIONS, orient="row")


def test_the_same_predictions_with_tiny_jitter_are_within_noise() -> None:
    base = _predictions()
    rng = np.random.default_rng(1)
    jittered = base.with_columns((pl.col("p_fake") + rng.normal(0, 0.005, base.height)).clip(0, 1))
    table = compare(jittered, base, draws=500)
    assert table["within_noise"].all(), table
    assert (table["low"] <= 0).all() and (table["high"] >= 0).all()


def test_a_planted_improvement_is_outside_the_noise() -> None:
    base = _predictions(separation=0.5)
    # The same videos, each fake moved up and each real down: a better detector on every fold.
    better = base.with_columns(
        pl.when(pl.col("label") == "fake").then(pl.col("p_fake") * 0.5 + 0.5).otherwise(pl.col("p_fake") * 0.5)
    )
    table = {r["metric"]: r for r in compare(better, base, draws=500).iter_rows(named=True)}
    assert table["auc_roc"]["delta"] > 0.1 and not table["auc_roc"]["within_noise"]
    assert table["auc_roc"]["low"] > 0


def test_the_interval_is_reproducible_and_paired_by_video() -> None:
    base, other = _predictions(seed=0), _predictions(seed=2)
    assert compare(other, base, draws=300).equals(compare(other, base, draws=300))
    shuffled = other.sample(fraction=1.0, shuffle=True, seed=3)
    assert compare(shuffled, base, draws=300).equals(compare(other, base, draws=300))
    with pytest.raises(FvcError, match="share no test video"):
        compare(other.with_columns(pl.col("video_id") + "x"), base)


def _outputs(root: Path) -> Path:
    """A results tree as evaluate, crosseval and audit write it, with two small PNG plots."""
    from PIL import Image

    (root / "results/plots").mkdir(parents=True)
    _predictions().write_parquet(root / "results/predictions.parquet")
    folds = {f"fold_{k}": {"n": 20, "auc_roc": 0.8 + k / 100, "ap": 0.8, "f1": 0.7, "accuracy": 0.7, "eer": 0.2}
             for k in range(5)}  # fmt: skip
    (root / "results/fold_metrics.json").write_text(json.dumps(folds))
    metrics = {"model": "variable_ar_cnn", "mean": {"auc_roc": 0.82, "f1": 0.7, "eer": 0.2},
               "std": {"auc_roc": 0.01, "f1": 0.0}, "pooled": {"auc_roc": 0.81}}  # fmt: skip
    (root / "results/metrics.json").write_text(json.dumps(metrics))
    audit = {"metadata_auc": 0.71, "max_metadata_auc": 0.6, "warning": True, "features": {"auc_roc": 0.55}}
    (root / "results/audit.json").write_text(json.dumps(audit))
    for name, colour in (("roc_curve", (200, 30, 30)), ("calibration", (30, 30, 200))):
        Image.new("RGB", (40, 30), colour).save(root / f"results/plots/{name}.png")
    return root


def test_the_report_holds_folds_audit_slices_and_plots(tmp_path: Path) -> None:
    root = _outputs(tmp_path)
    markdown = to_markdown(build(root), root)
    assert "## Folds" in markdown and "| mean ± std | 100 | 0.820 ± 0.014 |" in markdown
    assert "Metadata alone: AUC 0.710 (warning above 0.6). **Warning**" in markdown
    assert "results/videos.parquet" not in markdown and "data/index/videos.parquet: missing" in markdown
    assert "![roc_curve](results/plots/roc_curve.png)" in markdown
    assert "## Against" not in markdown and "## Cross-corpus" not in markdown  # no baseline, no crosseval file


def test_no_predictions_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(FvcError, match=r"results/predictions.parquet missing; run `dvc repro evaluate`"):
        build(tmp_path)


def test_a_baseline_revision_without_outputs_is_a_one_line_error(tmp_path: Path) -> None:
    root = _outputs(tmp_path)
    with pytest.raises(FvcError, match="cannot read results/predictions.parquet at 'HEAD~7'"):
        build(root, baseline="HEAD~7")


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    if os.environ.get("FVC_REQUIRE_CHROMIUM") == "1":
        pytest.fail("FVC_REQUIRE_CHROMIUM=1 but no chromium on PATH (.ci/run installs Debian's chromium)")
    pytest.skip("no chromium on PATH (Debian: apt-get install chromium); CI installs it")


def test_the_html_report_draws_every_plot_in_headless_chromium(tmp_path: Path) -> None:
    browser = _chromium()
    root = _outputs(tmp_path / "repo")
    page = tmp_path / "report.html"
    main(["report", "--root", str(root), "--html", str(page), "--out", str(tmp_path / "report.md")])
    common = [browser, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(
        [*common, "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    assert 'data-plots="2/2"' in dom, dom[:2000]
    assert dom.count('data-drawn="yes"') == 2
    shot = tmp_path / "report.png"
    subprocess.run([*common, f"--screenshot={shot}", "--window-size=1200,2400", page.as_uri()],
                   capture_output=True, timeout=120, check=True)  # fmt: skip
    from PIL import Image

    pixels = np.asarray(Image.open(shot).convert("RGB"))
    assert (np.abs(pixels.astype(int) - (200, 30, 30)).sum(axis=2) < 30).sum() > 200  # the red plot is on screen
