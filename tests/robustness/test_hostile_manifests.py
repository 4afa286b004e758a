"""Hostile manifests that tests/corpus/test_manifest.py does not cover: each is one FvcError naming the line and
column (or the file-level problem), and the ingest stage exits with that one line and writes nothing; and a path
that passes the check is the path ingest opens."""

from __future__ import annotations

import os
import re
import runpy
from collections.abc import Callable
from pathlib import Path

import pytest

from fvc.corpus.ingest import ingest
from fvc.corpus.manifest import read_manifest
from fvc.errors import FvcError
from tests.conftest import write_video

REPO = Path(__file__).resolve().parents[2]
HEADER = "video_id,path,label,group\n"


def _corpus(root: Path) -> None:
    """Placeholder files: a manifest error must be raised before any file is opened as a video."""
    (root / "v").mkdir(parents=True, exist_ok=True)
    for name in ("a", "b", "c"):
        (root / "v" / f"{name}.mp4").write_bytes(b"x")


def _text(body: str) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        _corpus(root)
        (root / "manifest.csv").write_text(body, encoding="utf-8", newline="")

    return build


def _bytes(body: bytes) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        _corpus(root)
        (root / "manifest.csv").write_bytes(body)

    return build


def _sibling_prefix(root: Path) -> None:
    # /x/raw_evil/a.mp4 starts with the string "/x/raw" but is not inside /x/raw.
    evil = root.parent / f"{root.name}_evil"
    evil.mkdir(parents=True, exist_ok=True)
    (evil / "a.mp4").write_bytes(b"x")
    _text(f"{HEADER}a,v/a.mp4,real,g\nb,{evil / 'a.mp4'},fake,g\n")(root)


def _symlinked_folder(root: Path) -> None:
    outside = root.parent / "elsewhere"
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "a.mp4").write_bytes(b"x")
    _text(f"{HEADER}a,v/a.mp4,real,g\nb,linked/a.mp4,fake,g\n")(root)
    os.symlink(outside, root / "linked", target_is_directory=True)


def _symlink_loop(root: Path) -> None:
    _text(f"{HEADER}a,v/a.mp4,real,g\nb,v/loop.mp4,fake,g\n")(root)
    os.symlink("loop.mp4", root / "v" / "loop.mp4")


CASES = [
    # Traversal: through the id (later stages name files after it), a look-alike prefix, a folder link, a loop.
    (
        "id_traversal",
        _text(f"{HEADER}a,v/a.mp4,real,g\n../../../tmp/x,v/b.mp4,fake,g\n"),
        r"line 3, column video_id: .*file name",
    ),
    ("id_backslash", _text(f"{HEADER}a\\b,v/a.mp4,real,g\n"), r"line 2, column video_id: .*path separators"),
    ("id_control_char", _text(f"{HEADER}a\x1bb,v/a.mp4,real,g\n"), r"line 2, column video_id: .*control characters"),
    ("absolute_sibling_prefix", _sibling_prefix, r"line 3, column path: .* resolves outside the corpus root"),
    ("symlinked_folder_outside", _symlinked_folder, r"line 3, column path: .* resolves outside the corpus root"),
    ("symlink_loop", _symlink_loop, r"line 3, column path: 'v/loop.mp4' cannot be resolved"),
    ("nul_in_path", _text(f"{HEADER}a,v/a.mp4\x00.txt,real,g\n"), r"line 2, column path: .* NUL character"),
    ("name_too_long", _text(f"{HEADER}a,v/{'n' * 300}.mp4,real,g\n"), r"line 2, column path: .* cannot be resolved"),
    ("path_is_a_folder", _text(f"{HEADER}a,v,real,g\n"), r"line 2, column path: 'v' is not a file"),
    ("file_url", _text(f"{HEADER}a,file:///etc/passwd,real,g\n"), r"line 2, column path: .* is not a file"),
    # Duplicates and labels.
    (
        "duplicate_id_after_strip",
        _text(f"{HEADER}a,v/a.mp4,real,g\n a ,v/b.mp4,fake,g\n"),
        r"line 3, column video_id: duplicate id 'a' \(first on line 2\)",
    ),
    ("label_capitalised", _text(f"{HEADER}a,v/a.mp4,Real,g\n"), r"line 2, column label: 'Real', expected real or fake"),
    ("label_numeric", _text(f"{HEADER}a,v/a.mp4,real,g\nb,v/b.mp4,1,g\n"), r"line 3, column label: '1'"),
    # Columns.
    ("header_case_mismatch", _text("Video_ID,path,label,group\na,v/a.mp4,real,g\n"), r"missing column\(s\) video_id"),
    (
        "column_repeated",
        _text("video_id,path,label,group,label\na,v/a.mp4,fake,g,real\n"),
        r"line 1: column\(s\) label appear more than once",
    ),
    ("more_fields_than_columns", _text(f"{HEADER}a,v/a.mp4,real,g,oops\n"), r"line 2: 5 fields but 4 columns"),
    (
        "unquoted_comma_in_path",
        _text(f"{HEADER}a,v/a,b.mp4,real,g\n"),
        r"line 2: 5 fields but 4 columns \(quote fields",
    ),
    # Empty manifests.
    ("zero_bytes", _bytes(b""), r"missing column\(s\) video_id, path, label, group"),
    ("blank_lines_only", _text("\n\n  \n"), r"missing column\(s\)"),
    ("header_and_blank_lines", _text(HEADER + "\n\n"), r"no rows"),
    # Encodings and CSV syntax.
    ("utf16", _bytes(HEADER.encode("utf-16")), r"line 1: not UTF-8 text \(byte 0xff\)"),
    (
        "latin1_on_line_4",
        _bytes(f"{HEADER}a,v/a.mp4,real,g\nb,v/b.mp4,fake,g\n".encode() + b"c,v/c.mp4,real,gr\xfcn\n"),
        r"line 4: not UTF-8",
    ),
    (
        "unbalanced_quote",
        _text(f'{HEADER}a,v/a.mp4,real,g\nb,v/b.mp4,fake,"g\nc,v/c.mp4,real,g\n'),
        r"line 3: malformed CSV \(unexpected end of data\)",
    ),
    ("text_after_closing_quote", _text(f'{HEADER}a,"v/a.mp4"x,real,g\n'), r"line 2: malformed CSV"),
    (
        "field_over_csv_limit",
        _text(f"{HEADER}a,v/a.mp4,real,{'g' * 200_000}\n"),
        r"line 2: malformed CSV \(field larger than field limit",
    ),
]
IDS = [case[0] for case in CASES]

STAGE_PARAMS = "workers: 1\ningest:\n  layout: manifest\n  options: {}\n  max_pixels: 8847360\n"


@pytest.mark.parametrize(("case_id", "build", "message"), CASES, ids=IDS)
def test_one_fvc_error_names_the_problem(tmp_path: Path, case_id: str, build, message: str) -> None:
    build(tmp_path / "raw")
    with pytest.raises(FvcError, match=message) as err:
        read_manifest(tmp_path / "raw" / "manifest.csv")
    assert "\n" not in str(err.value)
    with pytest.raises(FvcError, match=message):  # ingest fails the same way, before probing anything
        ingest(tmp_path / "raw" / "manifest.csv", max_pixels=8847360, workers=1)


@pytest.mark.parametrize(("case_id", "build", "message"), CASES, ids=IDS)
def test_ingest_stage_exits_with_one_line_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, case_id: str, build, message: str
) -> None:
    (tmp_path / "params.yaml").write_text(STAGE_PARAMS)
    build(tmp_path / "data" / "raw")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        runpy.run_path(str(REPO / "stages" / "ingest.py"), run_name="__main__")
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("fvc: error: ") and "\n" not in err and "Traceback" not in err
    assert re.search(message, err)
    assert not (tmp_path / "data" / "index").exists()


def test_a_failed_ingest_leaves_the_previous_outputs_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    (tmp_path / "params.yaml").write_text(STAGE_PARAMS)
    _text(f"{HEADER}a,../../etc/passwd,real,g\n")(tmp_path / "data" / "raw")
    index = tmp_path / "data" / "index"
    index.mkdir(parents=True)
    for name in ("videos.parquet", "rejects.parquet"):
        (index / name).write_bytes(b"previous run")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit):
        runpy.run_path(str(REPO / "stages" / "ingest.py"), run_name="__main__")
    assert sorted(p.name for p in index.iterdir()) == ["rejects.parquet", "videos.parquet"]  # no temporaries
    assert all((index / name).read_bytes() == b"previous run" for name in ("videos.parquet", "rejects.parquet"))


def test_ingest_opens_the_file_whose_path_was_checked_not_a_symlink_out_of_the_root(tmp_path: Path) -> None:
    # "link/../b.mp4" resolves through the folder link to root/deep/b.mp4 (inside, not a video); its lexical
    # normal form root/b.mp4 is a symlink to a valid video outside the root, which ingest must never read.
    root = tmp_path / "raw"
    write_video(root / "v" / "a.mp4")
    (root / "deep" / "folder").mkdir(parents=True)
    (root / "deep" / "b.mp4").write_bytes(b"not a video")
    write_video(tmp_path / "outside.mp4")
    os.symlink(root / "deep" / "folder", root / "link", target_is_directory=True)
    os.symlink(tmp_path / "outside.mp4", root / "b.mp4")
    (root / "manifest.csv").write_text(f"{HEADER}a,v/a.mp4,real,g\nb,link/../b.mp4,fake,g\n", encoding="utf-8")
    result = ingest(root / "manifest.csv", max_pixels=8847360, workers=1)
    assert result.videos["video_id"].to_list() == ["a"]
    assert result.rejects.select("video_id", "path").rows() == [("b", "deep/b.mp4")]
