"""End to end: the real stages under `dvc repro` in a temporary copy of the repo, on a tiny corpus."""

from __future__ import annotations

import io
import json
import shutil

import numpy as np
import polars as pl
import pytest
from PIL import Image

from fvc.checkpoint import read_checkpoint
from tests.pipeline.conftest import SMALL_TRAINING, set_params

pytestmark = pytest.mark.slow


def test_ingest_and_split_reproduce_then_do_nothing(repo_copy) -> None:
    root = repo_copy.root
    set_params(root, **{"cv.folds": [0, 1]})
    repo_copy(["dvc", "repro", "split"])
    videos = pl.read_parquet(root / "data/index/videos.parquet")
    folds = pl.read_parquet(root / "data/split/folds.parquet")
    assert videos.height == pl.read_csv(root / "data/raw/manifest.csv").height
    assert folds.group_by("group").agg(pl.col("fold").n_unique())["fold"].max() == 1
    again = repo_copy(["dvc", "repro", "split"])
    assert "Data and pipelines are up to date" in again.stdout
    dag = repo_copy(["dvc", "dag", "split"]).stdout
    assert "ingest" in dag and "split" in dag


def test_whole_pipeline_two_folds_two_epochs(repo_copy) -> None:
    root = repo_copy.root
    set_params(root, **SMALL_TRAINING)
    repo_copy(["dvc", "exp", "run", "-S", "cv.folds=[0,1]"])  # the fold list, set as users set it
    metrics = json.loads((root / "results/metrics.json").read_text())
    assert set(json.loads((root / "results/fold_metrics.json").read_text())) == {"fold_0", "fold_1"}
    assert "folds" not in metrics and metrics["audit"]["shortcut_warning"] in (0, 1)  # per-fold detail: its own file
    curves = pl.read_csv(root / "results/plot_data/learning_curves.csv")
    assert sorted(curves["fold"].unique()) == [0, 1] and curves.height == 4  # 2 folds x 2 epochs
    assert 0.0 <= metrics["mean"]["auc_roc"] <= 1.0
    assert "train@2" not in repo_copy(["dvc", "dag"]).stdout  # the fold list is params.yaml's cv.folds
    for fold in (0, 1):
        assert json.loads((root / f"results/train/fold_{fold}/status.json").read_text())["fold"] == fold
    for fold in (0, 1):
        assert (root / f"models/fold_{fold}/best.pt").exists()
        history = (root / f"results/train/fold_{fold}/plots/metrics/val_f1.tsv").read_text().splitlines()
        assert len(history) == 3  # header + 2 epochs
    predictions = pl.read_parquet(root / "results/predictions.parquet")
    assert predictions.height == pl.read_parquet(root / "data/split/folds.parquet").height
    for png in ("roc_curve", "precision_recall_curve", "confusion_matrix", "learning_curves", "cv_fold_comparison"):
        assert (root / f"results/plots/{png}.png").stat().st_size > 0
    cross = json.loads((root / "results/crosseval/metrics.json").read_text())
    assert cross["corpus"]["videos"] == pl.read_csv(root / "data/cross/manifest.csv").height
    assert 0.0 <= cross["ensemble"]["auc_roc"] <= 1.0 and set(cross["methods"]) == {"faceswap", "selfblend"}
    assert "Data and pipelines are up to date" in repo_copy(["dvc", "repro"]).stdout
    shown = json.loads(repo_copy(["dvc", "metrics", "show", "--json"]).stdout)
    files = next(iter(shown.values()))["data"]
    assert files["results/metrics.json"]["data"]["mean"]["auc_roc"] == metrics["mean"]["auc_roc"]
    assert files["results/crosseval/metrics.json"]["data"]["ensemble"]["auc_roc"] == cross["ensemble"]["auc_roc"]
    assert_every_plot_draws_offline(repo_copy)
    lines = repo_copy(["fvc", "analytics", "--per-fold", "--format", "json"]).stdout.splitlines()
    assert [json.loads(line)["fold"] for line in lines] == [0, 1]  # the views over a real run's outputs
    report = repo_copy(["fvc", "report"]).stdout
    assert "## Folds" in report and "## Cross-corpus" in report and "## Shortcut audit" in report

    # The same fold as 2 torchrun processes (gloo on CPU): the stage starts itself under torchrun, rank 0 writes.
    set_params(root, **{"train.nproc_per_node": 2, "cv.folds": [0, 1]})
    ran = repo_copy(["dvc", "repro", "--single-item", "train@0"]).stdout
    assert ran.count("train@0: variable_ar_cnn best epoch") == 1, ran  # one summary line: rank 0's
    status = json.loads((root / "results/train/fold_0/status.json").read_text())
    assert status["fold"] == 0 and status["epochs_run"] == 2
    assert read_checkpoint(root / "models/fold_0/best.pt")["params"]["train"]["nproc_per_node"] == 2


def assert_every_plot_draws_offline(run) -> None:
    """`dvc plots show` after `fvc offline-plots`: a page with no CDN, and every Vega chart renders to a PNG."""
    from fvc.evaluate.offline_plots import render_vegalite_png

    run(["fvc", "offline-plots"])
    run(["dvc", "plots", "show", "-o", "offline_plots"])
    page = (run.root / "offline_plots" / "index.html").read_text(encoding="utf-8")
    assert "cdn.jsdelivr" not in page and "window.vegaEmbed=" in page
    plots = json.loads(run(["dvc", "plots", "show", "--json"]).stdout)["data"]
    kinds = {item["type"] for entries in plots.values() for item in entries}
    assert kinds == {"vega", "image"}, kinds
    for name, entries in plots.items():
        for item in entries:
            if item["type"] == "vega":
                png = np.asarray(Image.open(io.BytesIO(render_vegalite_png(item["content"]))).convert("L"))
                assert png.shape[0] > 100 and png.std() > 5, f"{name}: a blank chart"


def test_a_feature_baseline_runs_through_the_same_fold_stages(repo_copy) -> None:
    root = repo_copy.root
    set_params(root, **{"cv.folds": [0, 1], "train.val_fraction": 0.45, "scale.frames": 4, "scale.max_dim": 64})
    set_params(root, **{"train.model": "logreg"})
    repo_copy(["dvc", "repro"])
    metrics = json.loads((root / "results/metrics.json").read_text())
    assert metrics["model"] == "logreg" and metrics["pooled"]["n"] == 20
    cross = json.loads((root / "results/crosseval/metrics.json").read_text())
    assert cross["scored"] is False and "feature baseline" in cross["reason"]
    described = json.loads((root / "models/fold_0/baseline.json").read_text())
    assert described["features_kept"] and set(described["features_kept"]) <= set(described["features_in"])
    assert not list((root / "models").rglob("*.pkl"))


def test_shards_give_the_tables_of_one_shard(repo_copy) -> None:
    root = repo_copy.root
    set_params(root, **{"cv.folds": [0, 1], "scale.frames": 4, "scale.max_dim": 64})
    repo_copy(["dvc", "repro", "merge_features"])
    one = {t: pl.read_parquet(root / f"data/{t}") for t in ("scaled/clips.parquet", "features/features.parquet")}
    set_params(root, shards=[0, 1, 2])
    repo_copy(["dvc", "repro", "merge_features"])
    assert "scale@2" in repo_copy(["dvc", "dag", "merge_features"]).stdout
    for table, expected in one.items():
        got = pl.read_parquet(root / f"data/{table}")
        paths = ("file", "face_track")  # paths inside a shard's cache folder: they name the shard
        assert got.drop(paths, strict=False).equals(expected.drop(paths, strict=False))
    files = pl.read_parquet(root / "data/scaled/clips.parquet")["file"]
    assert {f.split("/")[1] for f in files} == {"0", "1", "2"}  # shards/<s>/clips/...: every shard got videos


def test_an_experiment_on_a_faceforensics_tree_needs_only_the_layout_param(repo_copy) -> None:
    """data/raw holds a miniature FF++ download (real naming, tiny videos); `-S ingest.layout=ffpp` is all it takes."""
    from tests.conftest import write_video

    root = repo_copy.root
    shutil.rmtree(root / "data/raw")
    pairs = [(0, 1), (1, 0), (2, 3), (3, 2), (4, 5), (5, 4), (6, 7), (7, 6)]  # target_source, as FF++ names fakes
    for i in range(8):
        write_video(root / f"data/raw/original_sequences/youtube/c23/videos/{i:03d}.mp4", frames=8, seed=i)
    for k, (target, source) in enumerate(pairs):
        method = ("Deepfakes", "FaceSwap")[k % 2]
        name = f"data/raw/manipulated_sequences/{method}/c23/videos/{target:03d}_{source:03d}.mp4"
        write_video(root / name, frames=8, seed=100 + k)
    repo_copy(["dvc", "add", "-q", "data/raw"])
    repo_copy(["git", "commit", "-qam", "a FaceForensics++ tree"])
    set_params(root, **{"train.epochs": 1, "train.val_fraction": 0.45, "scale.frames": 4, "scale.max_dim": 64})
    set_params(root, **{"models.variable_ar_cnn.stem_width": 8, "models.variable_ar_cnn.widths": [16, 16, 16]})
    repo_copy(["git", "commit", "-qam", "small params"])
    repo_copy(["dvc", "exp", "run", "-S", "ingest.layout=ffpp", "-S", "cv.folds=[0,1]"])
    folds = pl.read_parquet(root / "data/split/folds.parquet")
    # The default split links the layout's groups (a swap joins its two ids) with the people (`source`): the
    # group of 000, 001 and their swaps is named by its people.
    assert folds.height == 16 and folds.filter(pl.col("video_id") == "Deepfakes__000_001")["group"][0] == "000+001"
    assert folds.group_by("group").agg(pl.col("fold").n_unique())["fold"].max() == 1  # 000 and 001 stay together
    assert sorted(folds["group"].unique()) == ["000+001", "002+003", "004+005", "006+007"]
    metrics = json.loads((root / "results/metrics.json").read_text())
    assert set(json.loads((root / "results/fold_metrics.json").read_text())) == {"fold_0", "fold_1"}
    assert metrics["pooled"]["n"] == 16
