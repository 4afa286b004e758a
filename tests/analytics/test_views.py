"""fvc.analytics on a tiny hand-made results tree: the views, the canned queries' numbers, errors and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from fvc.analytics import by, connect, errors, per_fold, query, read_threshold
from fvc.analytics.queries import aspect_ratio_label
from fvc.cli import main
from fvc.errors import FvcError
from fvc.schema import CROSS_PREDICTIONS, FOLDS, LOGGED_METRICS, PREDICTIONS, REJECTS, VIDEOS

# (video_id, fold, label, p_fake, width, height, method): fold 0 is perfectly ranked and called; fold 1 holds the
# mistakes, v7 (a real scored 0.95) the most confident one.
ROWS = [
    ("v0", 0, "fake", 0.9, 1920, 1080, "swap"),
    ("v1", 0, "fake", 0.8, 1920, 1080, "swap"),
    ("v2", 0, "real", 0.2, 640, 480, "none"),
    ("v3", 0, "real", 0.1, 640, 480, "none"),
    ("v4", 1, "fake", 0.3, 720, 1280, "reenact"),
    ("v5", 1, "fake", 0.7, 500, 500, "reenact"),
    ("v6", 1, "real", 0.4, 500, 500, "none"),
    ("v7", 1, "real", 0.95, 1000, 540, "none"),
]


def _write_tree(root: Path) -> Path:
    (root / "results/plot_data").mkdir(parents=True)
    for folder in ("data/index", "data/scaled", "data/features", "data/split"):
        (root / folder).mkdir(parents=True)
    pl.DataFrame([r[:4] for r in ROWS], schema=PREDICTIONS, orient="row").write_parquet(
        root / "results/predictions.parquet"
    )
    probe = {"rotation": 0, "frame_count": 10, "duration_s": 0.4, "codec": "h264", "pix_fmt": "yuv420p"}
    videos = [
        {
            **probe,
            **{"video_id": v, "path": f"videos/{v}.mp4", "label": label, "group": f"g{fold}", "method": method},
            **{"source": f"s{i % 3}", "width": w, "height": h, "fps": 25.0 if i % 2 else 29.97},
            **{"size_bytes": 100, "content_hash": f"h{i}"},
        }
        for i, (v, fold, label, _, w, h, method) in enumerate(ROWS)
    ]
    pl.DataFrame(videos, schema=VIDEOS).write_parquet(root / "data/index/videos.parquet")
    pl.DataFrame([(r[0], "g", r[2], r[1]) for r in ROWS], schema=FOLDS, orient="row").write_parquet(
        root / "data/split/folds.parquet"
    )
    pl.DataFrame({"video_id": ["v0"], "parent_id": ["v0"], "noise_energy": [1.5]}).write_parquet(
        root / "data/features/features.parquet"
    )
    pl.DataFrame([("bad", "videos/bad.mp4", "not a video")], schema=REJECTS, orient="row").write_parquet(
        root / "data/index/rejects.parquet"
    )
    pl.DataFrame([("v9", "videos/v9.mp4", "too short")], schema=REJECTS, orient="row").write_parquet(
        root / "data/scaled/rejects.parquet"
    )
    pl.DataFrame(schema=REJECTS).write_parquet(root / "data/features/rejects.parquet")
    fold_metrics = {"auc_roc": 1.0, "accuracy": 1.0, "n": 4, "confusion_matrix": [[2, 0], [0, 2]]}
    metrics = {"fold_1": {**fold_metrics, "auc_roc": 0.5}, "fold_0": fold_metrics}
    (root / "results/fold_metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    history = pl.DataFrame({"fold": [0, 0, 1], "epoch": [0, 1, 0], **{m: [0.5, 0.4, 0.3] for m in LOGGED_METRICS}})
    history.write_csv(root / "results/plot_data/learning_curves.csv")
    (root / "results/crosseval").mkdir()
    cross = [("x0", "fake", "x", "swap", "p", 0.8, [0.7, 0.9]), ("x1", "real", "x", "none", "p", 0.4, [0.5, 0.3])]
    pl.DataFrame(cross, schema=CROSS_PREDICTIONS, orient="row").write_parquet(
        root / "results/crosseval/predictions.parquet"
    )
    return root


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return _write_tree(tmp_path)


def test_every_view_reads_its_file(tree: Path) -> None:
    con = connect(tree)
    views = ("predictions", "videos", "folds", "features", "history", "fold_metrics", "rejects", "cross_predictions")
    counts = {v: query(con, f"SELECT count(*) AS n FROM {v}")["n"][0] for v in views}
    assert counts == {"predictions": 8, "videos": 8, "folds": 8, "features": 1, "history": 3, "fold_metrics": 2,
                      "rejects": 2, "cross_predictions": 2}  # fmt: skip
    per_fold = query(con, "SELECT fold_p_fake[2] AS second FROM cross_predictions ORDER BY video_id")["second"]
    assert per_fold.to_list() == [0.9, 0.3]  # each fold model's score, a list per video


def test_fold_metrics_has_one_row_per_fold_with_scalar_metrics(tree: Path) -> None:
    table = query(connect(tree), "SELECT * FROM fold_metrics ORDER BY fold")
    assert table.columns == ["fold", "auc_roc", "accuracy", "n"]
    assert table["fold"].to_list() == [0, 1]
    assert table["auc_roc"].to_list() == [1.0, 0.5]


def test_rejects_unions_the_stages_with_a_stage_column(tree: Path) -> None:
    table = query(connect(tree), "SELECT video_id, stage FROM rejects ORDER BY stage")
    assert table.rows() == [("bad", "ingest"), ("v9", "merge_scale")]


def test_history_keeps_the_learning_curve_columns(tree: Path) -> None:
    table = query(connect(tree), "SELECT * FROM history")
    assert table.columns == ["fold", "epoch", *LOGGED_METRICS]


def test_a_missing_file_leaves_its_view_out_and_names_file_and_stage(tree: Path) -> None:
    (tree / "results/predictions.parquet").unlink()
    con = connect(tree)
    assert query(con, "SELECT count(*) AS n FROM videos")["n"][0] == 8
    with pytest.raises(FvcError, match=r"^results/predictions\.parquet: missing; run `dvc repro evaluate`"):
        query(con, "SELECT * FROM predictions", tree)
    with pytest.raises(FvcError, match="results/predictions.parquet"):
        per_fold(con, root=tree)


def test_rejects_with_every_file_missing_names_every_stage(tmp_path: Path) -> None:
    with pytest.raises(FvcError, match=r"run `dvc repro ingest merge_scale merge_features`"):
        query(connect(tmp_path), "SELECT * FROM rejects", tmp_path)


def test_bad_sql_is_duckdbs_first_line(tree: Path) -> None:
    with pytest.raises(FvcError, match=r"^Parser Error: syntax error") as err:
        query(connect(tree), "SELEC 1")
    assert "\n" not in str(err.value)


def test_per_fold_counts_and_scores_each_fold(tree: Path) -> None:
    table = per_fold(connect(tree), threshold=0.5)
    assert table["fold"].to_list() == [0, 1]
    assert table["n"].to_list() == [4, 4]
    assert table["n_fake"].to_list() == [2, 2]
    assert table["auc"].to_list() == [1.0, 0.25]  # fold 1: of the 4 fake-real pairs only 0.7 > 0.4 is ranked right
    assert table["accuracy"].to_list() == [1.0, 0.5]


def test_errors_puts_the_most_confident_mistake_first(tree: Path) -> None:
    table = errors(connect(tree), threshold=0.5)
    assert table.columns == ["video_id", "path", "label", "p_fake", "fold"]
    assert table["video_id"].to_list() == ["v7", "v4"]  # v7 is 0.95 off, v4 0.7
    assert table["path"][0] == "videos/v7.mp4"
    assert errors(connect(tree), 1, threshold=0.5).height == 1


def test_the_threshold_decides_what_is_a_mistake(tree: Path) -> None:
    assert "v6" in errors(connect(tree), threshold=0.35)["video_id"].to_list()


def test_by_aspect_ratio_names_common_ratios(tree: Path) -> None:
    table = by(connect(tree), "aspect_ratio", threshold=0.5)
    rows = {r["aspect_ratio"]: r for r in table.iter_rows(named=True)}
    assert set(rows) == {"16:9", "4:3", "9:16", "1:1", "1.85"}
    assert rows["1:1"]["n"] == 2 and rows["1:1"]["auc"] == 1.0  # v5 fake 0.7 above v6 real 0.4
    assert rows["16:9"]["auc"] is None  # only fakes
    assert rows["16:9"]["accuracy"] == 1.0
    assert table["n"].to_list()[0] == 2  # largest slices first


@pytest.mark.parametrize(
    ("slice", "expected"),
    [("method", {"swap", "reenact", "none"}), ("fps", {"25", "29.97"}), ("resolution", {"1920x1080", "500x500",
     "640x480", "720x1280", "1000x540"}), ("codec", {"h264"}), ("source", {"s0", "s1", "s2"})],
)  # fmt: skip
def test_by_groups_by_each_slice(tree: Path, slice: str, expected: set[str]) -> None:
    table = by(connect(tree), slice)
    assert set(table[slice].to_list()) == expected
    assert table["n"].sum() == 8


def test_by_refuses_an_unknown_slice(tree: Path) -> None:
    with pytest.raises(FvcError, match="unknown slice; expected one of aspect_ratio"):
        by(connect(tree), "colour")


def test_aspect_ratio_label_tolerates_rounded_sizes() -> None:
    assert aspect_ratio_label(208, 116) == "16:9"
    assert aspect_ratio_label(180, 320) == "9:16"
    assert aspect_ratio_label(185, 100) == "1.85"


def test_threshold_comes_from_params_yaml_else_half(tmp_path: Path) -> None:
    assert read_threshold(tmp_path) == 0.5
    (tmp_path / "params.yaml").write_text("train:\n  threshold: 0.3\n", encoding="utf-8")
    assert read_threshold(tmp_path) == 0.3


def test_cli_prints_a_table(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["analytics", "--per-fold", "--root", str(tree)])
    out = capsys.readouterr().out
    assert "fold" in out and "accuracy" in out and "┆" in out


def test_cli_prints_csv(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["analytics", "SELECT video_id, fold FROM predictions ORDER BY video_id LIMIT 2", "--format", "csv",
          "--root", str(tree)])  # fmt: skip
    assert capsys.readouterr().out == "video_id,fold\nv0,0\nv1,0\n"


def test_cli_prints_one_json_object_per_line(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["analytics", "--errors", "1", "--format", "json", "--root", str(tree)])
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["video_id"] for line in lines] == ["v7"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [(["SELEC 1"], "fvc: error: Parser Error"), (["--by", "colour"], "fvc: error: --by colour: unknown slice"),
     ([], "fvc: error: analytics: give one of")],
)  # fmt: skip
def test_cli_errors_are_one_line(tree: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["analytics", *argv, "--root", str(tree)])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1


def test_cli_names_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["analytics", "--per-fold", "--root", str(tmp_path)])
    assert "results/predictions.parquet: missing; run `dvc repro evaluate`" in capsys.readouterr().err
