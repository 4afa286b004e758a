"""``fvc predict``: the fold ensemble scores new videos exactly as training scored its test fold, reports files it
cannot decode and refuses models folders it cannot use, in one line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from fvc.checkpoint import read_checkpoint, save_checkpoint
from fvc.cli import main
from fvc.errors import FvcError
from fvc.predict import load_ensemble, score_videos


def _models(tmp_path: Path, trained: dict, folds: tuple[int, ...]) -> Path:
    models = tmp_path / "models"
    for fold in folds:
        (models / f"fold_{fold}").mkdir(parents=True)
        shutil.copy(trained["work"] / "models" / f"fold_{fold}" / "best.pt", models / f"fold_{fold}" / "best.pt")
    return models


def _json_lines(capsys: pytest.CaptureFixture[str]) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_one_folds_checkpoint_reproduces_its_test_predictions(
    tmp_path: Path, trained: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    models = _models(tmp_path, trained, (0,))
    expected = pl.read_parquet(trained["work"] / "live_0" / "predictions.parquet")
    paths = [str(trained["paths"][v]) for v in expected["video_id"]]
    main(["predict", *paths, "--models", str(models), "--json"])  # returns: exit status 0
    rows = _json_lines(capsys)
    assert [r["path"] for r in rows] == paths
    for row, p_fake in zip(rows, expected["p_fake"], strict=True):
        assert row["p_fake"] == pytest.approx(p_fake, abs=1e-5)
        assert row["label"] == ("fake" if row["p_fake"] >= 0.5 else "real")
        assert (row["frames"], row["model"], row["folds"]) == (4, "variable_ar_cnn", 1)
        assert max(row["height"], row["width"]) == 64


def test_the_ensemble_score_is_the_mean_over_folds(tmp_path: Path, trained: dict) -> None:
    video = next(iter(trained["paths"].values()))
    alone = [score_videos([video], load_ensemble(_models(tmp_path / str(f), trained, (f,))))[0] for f in (0, 1)]
    both = score_videos([video], load_ensemble(_models(tmp_path / "both", trained, (0, 1))))[0]
    assert both["folds"] == 2
    assert both["p_fake"] == pytest.approx((alone[0]["p_fake"] + alone[1]["p_fake"]) / 2, abs=1e-9)


def test_broken_files_are_reported_and_the_rest_scored(
    tmp_path: Path, trained: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    models = _models(tmp_path, trained, (0,))
    folder = tmp_path / "new"
    folder.mkdir()
    good = next(iter(trained["paths"].values()))
    shutil.copy(good, folder / "good.mp4")
    (folder / "empty.mp4").write_bytes(b"")
    (folder / "notes.mp4").write_text("not a video\n")
    (folder / "readme.txt").write_text("ignored: not a video extension\n")
    main(["predict", str(folder), "--models", str(models), "--json"])  # returns: exit status 0
    rows = {Path(r["path"]).name: r for r in _json_lines(capsys)}
    assert sorted(rows) == ["empty.mp4", "good.mp4", "notes.mp4"]
    assert rows["empty.mp4"] == {"path": str(folder / "empty.mp4"), "error": "empty file (0 bytes)"}
    assert set(rows["notes.mp4"]) == {"path", "error"} and "\n" not in rows["notes.mp4"]["error"]
    assert 0.0 <= rows["good.mp4"]["p_fake"] <= 1.0


def test_nothing_scored_exits_1_after_printing_the_errors(
    tmp_path: Path, trained: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    models = _models(tmp_path, trained, (0,))
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(SystemExit) as exit_:
        main(["predict", str(tmp_path / "empty.mp4"), "--models", str(models)])
    assert exit_.value.code == 1
    assert capsys.readouterr().out == f"error  {tmp_path / 'empty.mp4'}: empty file (0 bytes)\n"


def test_a_models_folder_without_checkpoints_is_a_one_line_error(
    tmp_path: Path, trained: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["predict", str(next(iter(trained["paths"].values()))), "--models", str(tmp_path)])
    assert exit_.value.code == 2
    assert capsys.readouterr().err == f"fvc: error: {tmp_path}: no fold_*/best.pt checkpoint; train first" + (
        " (dvc repro) or pass --models DIR\n"
    )


def test_disagreeing_checkpoints_are_a_one_line_error(
    tmp_path: Path, trained: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    models = _models(tmp_path, trained, (0, 1))
    state = read_checkpoint(models / "fold_1" / "best.pt")
    state["params"]["scale"] = {**state["params"]["scale"], "max_dim": 128}
    save_checkpoint(models / "fold_1" / "best.pt", **state)
    with pytest.raises(SystemExit) as exit_:
        main(["predict", str(next(iter(trained["paths"].values()))), "--models", str(models)])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "scale" in err and "disagrees with" in err and "fold_0" in err


def test_a_checkpoint_without_scale_params_is_refused(tmp_path: Path, trained: dict) -> None:
    models = _models(tmp_path, trained, (0,))
    state = read_checkpoint(models / "fold_0" / "best.pt")
    del state["params"]["scale"]
    save_checkpoint(models / "fold_0" / "best.pt", **state)
    with pytest.raises(FvcError, match="no scale params in the checkpoint"):
        load_ensemble(models)
