"""Pseudo-fakes in training: labelled fake, train only (beside or instead of real fakes), their own epoch items."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from fvc.errors import FvcError
from fvc.train import ClipModelTraining, TrainParams, run_fold
from fvc.train.clip_model import train_sampler
from fvc.train.pseudo import epoch_labels, fold_parts
from fvc.train.runner import Fitted
from tests.train.helpers import TRAIN

GROUPS, FOLDS = 8, 2
MODEL = {"stem_width": 4, "widths": [8, 8, 8], "forensic_inputs": True}


def _folds() -> pl.DataFrame:
    rows = [
        {"video_id": f"g{g}_{label}", "group": f"g{g}", "label": label, "fold": g % FOLDS}
        for g in range(GROUPS)
        for label in ("real", "fake")
    ]
    return pl.DataFrame(rows)


def _table(folds: pl.DataFrame, pseudo: int = 2) -> pl.DataFrame:
    """Every video, a plain copy (~aug0) of each, and ``pseudo`` pseudo-fakes (~sbi<k>) of each real; the copies'
    label column says fake for pseudo-fakes, as the augment stage's table does."""
    rows = []
    for v in folds.iter_rows(named=True):
        ids = [v["video_id"], f"{v['video_id']}~aug0"]
        ids += [f"{v['video_id']}~sbi{k}" for k in range(pseudo)] if v["label"] == "real" else []
        rows += [
            {"video_id": i, "parent_id": v["video_id"], "file": f"{i}.npy", "height": 32, "width": 32} for i in ids
        ]
    return pl.DataFrame(rows)


def _parent_labels(folds: pl.DataFrame) -> dict[str, str]:
    return dict(zip(folds["video_id"], folds["label"], strict=True))


@pytest.mark.parametrize("fold", range(FOLDS))
def test_real_plus_pseudo_pseudo_fakes_train_as_fakes_only_with_their_parent(fold: int) -> None:
    folds = _folds()
    partition, parts = fold_parts(_table(folds), folds, fold, val_fraction=0.25, seed=0)
    train = parts["train"]
    pseudo = train.filter(pl.col("video_id").str.contains("~sbi"))
    assert set(pseudo["label"]) == {"fake"}
    assert set(pseudo["parent_id"]) == {v for v in partition.train if _parent_labels(folds)[v] == "real"}
    assert pseudo.height == 2 * len(set(pseudo["parent_id"]))
    split = folds.rename({"video_id": "parent_id"})
    kept = pseudo.join(split, on="parent_id", suffix="_parent")
    assert kept["group"].to_list() == kept["group_parent"].to_list()
    assert kept["fold"].to_list() == kept["fold_parent"].to_list()
    plain = train.filter(~pl.col("video_id").str.contains("~sbi"))
    assert plain["label"].to_list() == [_parent_labels(folds)[p] for p in plain["parent_id"]]
    for name in ("val", "test"):  # never validate or test
        assert not parts[name]["video_id"].str.contains("~").any()
        assert set(parts[name]["label"]) == {"real", "fake"}


@pytest.mark.parametrize("fold", range(FOLDS))
def test_pseudo_mode_trains_on_reals_and_pseudo_fakes_and_validates_without_real_fakes(fold: int) -> None:
    folds = _folds()
    labels = _parent_labels(folds)
    partition, parts = fold_parts(_table(folds), folds, fold, val_fraction=0.25, seed=0, fakes="pseudo")
    train, val, test = parts["train"], parts["val"], parts["test"]
    assert {labels[p] for p in train["parent_id"]} == {"real"}  # real fakes and their copies dropped
    assert set(train.filter(pl.col("label") == "fake")["video_id"].str.contains("~sbi")) == {True}
    assert set(train["parent_id"]) == {v for v in partition.train if labels[v] == "real"}
    # Validation: the val part's reals, and their pseudo-fakes as its fakes.
    val_reals = sorted(v for v in partition.val if labels[v] == "real")
    assert val.filter(pl.col("label") == "real")["video_id"].to_list() == val_reals
    assert set(val.filter(pl.col("label") == "fake")["parent_id"]) == set(val_reals)
    assert val.filter(pl.col("label") == "fake")["video_id"].str.contains("~sbi").all()
    # Test: the original videos only, real fakes included.
    assert test["video_id"].to_list() == sorted(partition.test) and "fake" in set(test["label"])
    assert not set(train["video_id"]) & set(val["video_id"])


def test_pseudo_mode_without_pseudo_fakes_names_the_param() -> None:
    folds = _folds()
    with pytest.raises(FvcError, match="set augment.pseudo_fakes >= 1"):
        fold_parts(_table(folds, pseudo=0), folds, 0, val_fraction=0.25, seed=0, fakes="pseudo")
    with pytest.raises(FvcError, match="augment.fakes = 'fake'"):
        fold_parts(_table(folds), folds, 0, val_fraction=0.25, seed=0, fakes="fake")


class _Shapes:
    def __init__(self, n: int) -> None:
        self.shapes = [(32, 32)] * n


@pytest.mark.parametrize("fakes", ["real+pseudo", "pseudo"])
def test_an_epoch_sees_each_real_once_and_each_reals_pseudo_fakes_once(fakes: str) -> None:
    folds = _folds()
    labels = _parent_labels(folds)
    _, parts = fold_parts(_table(folds), folds, 0, val_fraction=0.25, seed=0, fakes=fakes)
    rows = parts["train"]
    reals = sorted({p for p in rows["parent_id"] if labels[p] == "real"})
    fakes_ = sorted({p for p in rows["parent_id"] if labels[p] == "fake"})
    params = TrainParams(**TRAIN)
    sampler = train_sampler(rows, _Shapes(rows.height), params, seed=1)
    ids, row_labels = rows["video_id"].to_list(), rows["label"].to_list()
    seen_pseudo = set()
    for epoch in range(5):
        sampler.set_epoch(epoch)
        chosen = [ids[i] for batch in sampler for i in batch]
        as_real = Counter(i.split("~")[0] for i in chosen if "~sbi" not in i)
        as_pseudo = Counter(i.split("~")[0] for i in chosen if "~sbi" in i)
        assert as_real == Counter(reals + fakes_)  # every video once, as itself or a plain copy
        assert as_pseudo == Counter(reals)  # and every real once more, as one of its pseudo-fakes
        assert all(row_labels[ids.index(i)] == "fake" for i in chosen if "~sbi" in i)
        seen_pseudo |= {i for i in chosen if "~sbi" in i}
    assert len(seen_pseudo) > len(reals)  # different pseudo-fakes of a real train in different epochs
    composition = epoch_labels(rows, "view")
    assert (composition == 0).sum() == len(reals) and (composition == 1).sum() == len(reals) + len(fakes_)
    every_row = epoch_labels(rows, "all")
    assert len(every_row) == rows.height and every_row.sum() == (rows["label"] == "fake").sum()


class _Recording:
    """A fold strategy that records the rows it is given and scores nothing."""

    resumable = False

    def __init__(self) -> None:
        self.parts: dict[int, dict[str, pl.DataFrame]] = {}

    def fit(self, run, log, resumed) -> Fitted:
        self.parts[run.fold] = run.parts
        return Fitted(best_epoch=0, epochs_run=1, p_test=np.full(run.parts["test"].height, 0.5))


@pytest.mark.parametrize("fakes", ["real+pseudo", "pseudo"])
def test_the_runner_never_tests_a_pseudo_fake_in_any_fold(fakes: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    folds, strategy = _folds(), _Recording()
    for fold in range(FOLDS):
        run_fold(
            fold, strategy, table=_table(folds), folds=folds, params=TrainParams(**TRAIN), model_options={}, seed=0,
            live_dir=tmp_path / f"live{fold}", model_dir=tmp_path / f"model{fold}", fakes=fakes,
        )  # fmt: skip
        parts = strategy.parts[fold]
        assert parts["train"].filter(pl.col("video_id").str.contains("~sbi"))["label"].eq("fake").all()
        assert not parts["test"]["video_id"].str.contains("~").any()
        predictions = pl.read_parquet(tmp_path / f"live{fold}" / "predictions.parquet")
        assert predictions["video_id"].to_list() == parts["test"]["video_id"].to_list()
        in_val = parts["val"].filter(pl.col("video_id").str.contains("~"))
        assert in_val.height == 0 if fakes == "real+pseudo" else in_val["video_id"].str.contains("~sbi").all()


def test_a_clip_model_trains_on_pseudo_fakes_only(tmp_path: Path, monkeypatch) -> None:
    """End to end on tiny clips: pseudo-fakes (a brighter patch) stand in for fakes; the test fold's real fakes
    are scored by a model that never saw one."""
    monkeypatch.chdir(tmp_path)
    folds = _folds()
    table = _table(folds, pseudo=1).with_columns(frames=4, snippet=4)
    (tmp_path / "clips").mkdir()
    rng = np.random.default_rng(0)
    for video_id in table["video_id"]:
        clip = rng.integers(0, 200, size=(4, 32, 32, 3), dtype=np.uint8)
        if "~sbi" in video_id or ("fake" in video_id):
            clip[:, 8:16, 8:16] += 50
        np.save(tmp_path / "clips" / f"{video_id}.npy", clip)
    result = run_fold(
        0, ClipModelTraining(tmp_path / "clips", device=None), table=table, folds=folds,
        params=TrainParams(**{**TRAIN, "epochs": 2}), model_options=MODEL, seed=0,
        live_dir=tmp_path / "live", model_dir=tmp_path / "model", fakes="pseudo",
    )  # fmt: skip
    predictions = pl.read_parquet(tmp_path / "live" / "predictions.parquet")
    assert set(predictions["label"]) == {"real", "fake"} and not predictions["video_id"].str.contains("~").any()
    assert result.epochs_run == 2 and np.isfinite(predictions["p_fake"].to_numpy()).all()
