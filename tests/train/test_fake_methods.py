"""train.fake_methods: the fakes of left-out methods never train or validate, and the test folds keep them
(leave-one-method-out, FaceForensics++'s cross-manipulation protocol)."""

from __future__ import annotations

import polars as pl
import pytest

from fvc.errors import FvcError
from fvc.train import TrainParams
from fvc.train.pseudo import fold_parts
from tests.train.helpers import TRAIN

GROUPS, FOLDS = 12, 3
METHODS = ("swap", "blend")


def _corpus() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(folds, table, methods): each group a real and one fake per method; every video has a plain copy (~aug0)
    and each real a pseudo-fake (~sbi0)."""
    folds, table, methods = [], [], []
    for g in range(GROUPS):
        videos = [(f"g{g:02d}_real", "real", "none")]
        videos += [(f"g{g:02d}_{m}", "fake", m) for m in METHODS]
        for vid, label, method in videos:
            folds.append({"video_id": vid, "group": f"g{g:02d}", "label": label, "fold": g % FOLDS})
            methods.append({"video_id": vid, "method": method})
            ids = [vid, f"{vid}~aug0"] + ([f"{vid}~sbi0"] if label == "real" else [])
            table += [{"video_id": i, "parent_id": vid, "file": f"{i}.npy"} for i in ids]
    return pl.DataFrame(folds), pl.DataFrame(table), pl.DataFrame(methods)


@pytest.mark.parametrize("fold", range(FOLDS))
@pytest.mark.parametrize("kept", METHODS)
def test_left_out_fakes_neither_train_nor_validate_but_are_tested(fold: int, kept: str) -> None:
    folds, table, methods = _corpus()
    left_out = next(m for m in METHODS if m != kept)
    _, everything = fold_parts(table, folds, fold, val_fraction=0.25, seed=0)
    _, parts = fold_parts(
        table, folds, fold, val_fraction=0.25, seed=0, fake_methods=(kept,), methods=methods
    )  # fmt: skip
    for name in ("train", "val"):
        ids = parts[name]["video_id"].to_list()
        assert not [i for i in ids if f"_{left_out}" in i], name  # nor their ~aug copies
        assert [i for i in ids if f"_{kept}" in i] == [i for i in everything[name]["video_id"] if f"_{kept}" in i]
        reals = [i for i in everything[name]["video_id"] if "_real" in i]
        assert [i for i in ids if "_real" in i] == reals  # reals, their copies and pseudo-fakes untouched
    assert parts["test"].equals(everything["test"])
    assert any(f"_{left_out}" in i for i in parts["test"]["video_id"])


def test_all_keeps_every_fake() -> None:
    folds, table, methods = _corpus()
    _, a = fold_parts(table, folds, 0, val_fraction=0.25, seed=0)
    _, b = fold_parts(table, folds, 0, val_fraction=0.25, seed=0, fake_methods="all", methods=methods)
    assert all(a[k].equals(b[k]) for k in a)


def test_a_method_the_corpus_lacks_is_a_one_line_error() -> None:
    folds, table, methods = _corpus()
    with pytest.raises(FvcError, match=r"train.fake_methods has faceswap, not a method .* \(blend, swap\)"):
        fold_parts(table, folds, 0, val_fraction=0.25, seed=0, fake_methods=("faceswap",), methods=methods)


@pytest.mark.parametrize("bad", [(), ("",), "some", 3])
def test_fake_methods_must_be_all_or_names(bad: object) -> None:
    with pytest.raises(FvcError, match="train.fake_methods"):
        TrainParams(**TRAIN, fake_methods=bad)


def test_params_yaml_lists_become_tuples() -> None:
    params = {"train": {**TRAIN, "fake_methods": ["swap"]}}
    assert TrainParams.from_params(params).fake_methods == ("swap",)
