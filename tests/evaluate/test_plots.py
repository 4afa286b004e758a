"""Specification of fvc.evaluate.plots: DVC plot-data files and PNG figures."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from fvc.evaluate.plots import PLOT_DATA_FILES, PNG_FILES, write_plot_data, write_png_plots
from tests.evaluate.predictions import predictions_frame

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def read_rows(path: Path) -> list[dict]:
    rows = json.loads(path.read_text())
    assert isinstance(rows, list) and rows
    # DVC treats a list as data points only when every row has the same keys.
    assert all(row.keys() == rows[0].keys() for row in rows)
    return rows


def single_class_fold(frame: pl.DataFrame, fold: int) -> pl.DataFrame:
    return frame.with_columns(
        pl.when(pl.col("fold") == fold).then(pl.lit("fake")).otherwise(pl.col("label")).alias("label")
    )


def history(epochs: int, **columns: list[float]) -> pl.DataFrame:
    return pl.DataFrame({"epoch": list(range(1, epochs + 1)), **columns})


def test_plot_data_files_are_written_and_parse(tmp_path: Path):
    paths = write_plot_data(predictions_frame(folds=3), tmp_path)
    assert sorted(paths) == sorted(PLOT_DATA_FILES)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(PLOT_DATA_FILES)

    roc = read_rows(tmp_path / "roc.json")
    assert set(roc[0]) == {"fold", "fpr", "tpr", "threshold"}
    assert {r["fold"] for r in roc} == {"pooled"}
    assert (roc[0]["fpr"], roc[0]["tpr"], roc[0]["threshold"]) == (0.0, 0.0, None)
    assert (roc[-1]["fpr"], roc[-1]["tpr"]) == (1.0, 1.0)

    pr = read_rows(tmp_path / "precision_recall.json")
    assert set(pr[0]) == {"fold", "recall", "precision"}
    assert [r["recall"] for r in pr] == sorted(r["recall"] for r in pr)

    for name in ("roc_folds.json", "precision_recall_folds.json"):
        assert {r["fold"] for r in read_rows(tmp_path / name)} == {"fold_0", "fold_1", "fold_2", "pooled"}

    confusion = read_rows(tmp_path / "confusion.json")
    assert len(confusion) == 24
    assert {r["actual"] for r in confusion} | {r["predicted"] for r in confusion} <= {"real", "fake"}

    table = pl.read_csv(tmp_path / "fold_metrics.csv")
    assert table["fold"].to_list() == ["fold_0", "fold_1", "fold_2"]
    assert {"auc_roc", "ap", "eer", "f1", "accuracy", "precision", "recall", "log_loss", "n"} <= set(table.columns)


def test_curves_keep_only_their_corners(tmp_path: Path):
    write_plot_data(predictions_frame(folds=2, per_fold=200), tmp_path)
    assert len(read_rows(tmp_path / "roc.json")) < 400


def test_a_single_class_fold_gets_no_curve_and_an_empty_auc_cell(tmp_path: Path):
    write_plot_data(single_class_fold(predictions_frame(folds=3), fold=1), tmp_path)
    assert {r["fold"] for r in read_rows(tmp_path / "roc_folds.json")} == {"fold_0", "fold_2", "pooled"}
    table = pl.read_csv(tmp_path / "fold_metrics.csv")
    assert table.filter(pl.col("fold") == "fold_1")["auc_roc"].to_list() == [None]


def test_confusion_rows_follow_the_threshold(tmp_path: Path):
    frame = pl.DataFrame({"video_id": ["a", "b"], "fold": [0, 0], "label": ["real", "fake"], "p_fake": [0.3, 0.6]})
    write_plot_data(frame, tmp_path, threshold=0.7)
    assert read_rows(tmp_path / "confusion.json") == [
        {"actual": "real", "predicted": "real"},
        {"actual": "fake", "predicted": "real"},
    ]


def test_png_plots_are_the_six_figures(tmp_path: Path):
    histories = {
        0: history(
            3, train_loss=[0.9, 0.7, 0.6], val_loss=[0.8, 0.7, 0.7], val_f1=[0.5, 0.6, 0.7], val_auc=[0.6, 0.7, 1]
        ),
        1: history(2, train_loss=[0.9, 0.8]),  # a run that logged only its training loss
        2: pl.DataFrame({"val_auc": [0.5, 0.6]}),  # no epoch column: epochs are counted from 1
        3: pl.DataFrame(schema={"epoch": pl.Int64}),  # a model without epochs (scikit-learn baseline)
    }
    paths = write_png_plots(predictions_frame(folds=3), histories, tmp_path)
    assert sorted(paths) == sorted(PNG_FILES)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(PNG_FILES)
    for name in PNG_FILES:
        assert (tmp_path / name).read_bytes()[:8] == PNG_SIGNATURE, name


def test_png_plots_without_histories_and_with_a_single_class_fold(tmp_path: Path):
    write_png_plots(single_class_fold(predictions_frame(folds=3), fold=2), None, tmp_path)
    assert all((tmp_path / name).stat().st_size > 1000 for name in PNG_FILES)


def test_png_output_is_deterministic(tmp_path: Path):
    frame = predictions_frame(folds=2)
    histories = {0: history(2, train_loss=[0.9, 0.8]), 1: history(2, val_f1=[0.4, 0.6])}
    write_png_plots(frame, histories, tmp_path / "a")
    write_png_plots(frame, histories, tmp_path / "b")
    for name in PNG_FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_calibration_rows_are_the_pooled_reliability_diagram(tmp_path: Path):
    from sklearn.calibration import calibration_curve

    frame = predictions_frame(folds=3)
    write_plot_data(frame, tmp_path)
    table = pl.read_csv(tmp_path / "calibration.csv")
    observed, predicted = calibration_curve(
        (frame["label"] == "fake").to_numpy(), frame["p_fake"].to_numpy(), n_bins=10
    )
    assert table["observed"].to_list() == [round(v, 6) for v in observed]
    assert table["predicted"].to_list() == [round(v, 6) for v in predicted]


def test_slice_bars_give_auc_and_counts_per_aspect_ratio(tmp_path: Path):
    from fvc.evaluate.plots import write_slice_data

    frame = predictions_frame(folds=3).sort("video_id")
    wide = [i % 3 == 0 for i in range(frame.height)]
    videos = frame.select("video_id").with_columns(
        pl.Series("width", [1920 if w else 720 for w in wide]), pl.Series("height", [1080 if w else 720 for w in wide])
    )
    table = pl.read_csv(write_slice_data(frame, videos, tmp_path))
    assert sorted(table["aspect_ratio"]) == ["16:9", "1:1"] and table["n"].sum() == frame.height
    wide_rows = frame.filter(pl.Series(wide))
    from sklearn.metrics import roc_auc_score

    expected = roc_auc_score(wide_rows["label"] == "fake", wide_rows["p_fake"])
    assert table.filter(pl.col("aspect_ratio") == "16:9")["auc_roc"][0] == round(expected, 6)
