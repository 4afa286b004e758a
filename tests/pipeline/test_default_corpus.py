"""The embedded corpora: regenerating them reproduces data.dvc and cross.dvc, and metadata alone cannot tell real
from fake."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from fvc.corpus.ingest import ingest
from fvc.folds import stratified_group_folds
from fvc.params import load_params
from tests.pipeline.conftest import REPO

pytestmark = pytest.mark.slow
METADATA = ["width", "height", "fps", "frame_count", "size_bytes"]


@pytest.fixture(scope="module")
def default_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`fvc synth` with its defaults (what data.dvc tracks) and with `--identities held-out` (what cross.dvc tracks),
    in a folder laid out like the repo."""
    from fvc.synth import generate_corpus

    root = tmp_path_factory.mktemp("repo")
    generate_corpus(root / "data" / "raw", progress=False)
    generate_corpus(root / "data" / "cross", identities="held_out", progress=False)
    return root


@pytest.mark.parametrize("dvc_file", ["data.dvc", "cross.dvc"])
def test_regenerated_corpus_matches_its_dvc_file(default_corpus: Path, dvc_env: dict[str, str], dvc_file: str) -> None:
    for rel in (".dvc/config", ".dvcignore", dvc_file):
        (default_corpus / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, default_corpus / rel)
    if not (default_corpus / ".git").exists():
        subprocess.run(["git", "init", "-q"], cwd=default_corpus, check=True)
    # Hash the regenerated corpus into the .dvc file (and the cache): it must come out exactly as committed.
    proc = subprocess.run(
        ["dvc", "commit", "--force", "--quiet", dvc_file],
        cwd=default_corpus,
        env=dvc_env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert (default_corpus / dvc_file).read_text() == (REPO / dvc_file).read_text()
    status = subprocess.run(
        ["dvc", "status", dvc_file], cwd=default_corpus, env=dvc_env, capture_output=True, text=True
    )
    assert "up to date" in status.stdout, status.stdout


def test_metadata_alone_does_not_predict_the_label(default_corpus: Path) -> None:
    videos = ingest(default_corpus / "data" / "raw" / "manifest.csv", max_pixels=10**8, workers=2).videos
    params = load_params(REPO / "params.yaml")
    folds = stratified_group_folds(
        videos, n_splits=len(params["cv"]["folds"]), group_column=params["cv"]["group_column"], seed=params["seed"]
    )
    table = videos.join(folds.select("video_id", "fold"), on="video_id")
    x = table.select(METADATA).to_numpy().astype(np.float64)
    y = (table["label"] == "fake").to_numpy().astype(int)
    fold = table["fold"].to_numpy()
    scores = np.zeros(len(y))
    for k in np.unique(fold):
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        model.fit(x[fold != k], y[fold != k])
        scores[fold == k] = model.predict_proba(x[fold == k])[:, 1]
    auc = roc_auc_score(y, scores)
    assert auc <= 0.6, f"a metadata-only classifier reaches AUC {auc:.3f} on the default corpus"
    assert videos.height >= 96 and videos["group"].n_unique() >= 12


def test_the_shortcut_audit_passes_the_default_corpus(default_corpus: Path) -> None:
    from fvc.evaluate.audit import audit

    raw = default_corpus / "data" / "raw"
    videos = ingest(raw / "manifest.csv", max_pixels=10**8, workers=2).videos
    params = load_params(REPO / "params.yaml")
    folds = stratified_group_folds(
        videos, n_splits=len(params["cv"]["folds"]), group_column=params["cv"]["group_column"], seed=params["seed"]
    )
    report = audit(
        videos, folds, None, root=raw, seed=params["seed"], logreg_options=params["models"]["logreg"],
        max_metadata_auc=params["audit"]["max_metadata_auc"],
    )  # fmt: skip
    assert report["rate_setting_found"] == videos.height  # x264's bitrate= is read from every file
    assert report["warning"] is False, report


def test_no_person_crosses_a_fold_of_the_default_split(default_corpus: Path) -> None:
    """Leave-identity-out by default: every person (``source``), with every source clip (``group``) and fake of
    theirs, is in one test fold; and no face-swap donor is anyone's identity in either embedded corpus."""
    import csv

    videos = ingest(default_corpus / "data" / "raw" / "manifest.csv", max_pixels=10**8, workers=2).videos
    params = load_params(REPO / "params.yaml")
    folds = stratified_group_folds(
        videos, n_splits=len(params["cv"]["folds"]), group_column=params["cv"]["group_column"], seed=params["seed"]
    )
    table = folds.join(videos.select("video_id", "source", pl.col("group").alias("clip")), on="video_id")
    assert table.group_by("source").agg(pl.col("fold").n_unique())["fold"].max() == 1
    assert table.group_by("clip").agg(pl.col("fold").n_unique())["fold"].max() == 1
    assert table["source"].n_unique() >= len(params["cv"]["folds"])  # the split is by person, and possible
    people, donors = set(), set()
    for corpus in ("raw", "cross"):
        with open(default_corpus / "data" / corpus / "manifest.csv", newline="") as fh:
            rows = list(csv.DictReader(fh))
        people |= {r["source"] for r in rows}
        donors |= {r["donor"] for r in rows if r["method"] == "faceswap"}
    assert donors and not donors & people
