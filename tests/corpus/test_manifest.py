"""The manifest parser: valid manifests parse; each kind of invalid manifest gets one error naming line and column."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fvc.corpus.manifest import read_manifest
from fvc.errors import FvcError
from tests.conftest import write_manifest


def _rows(root: Path, n: int = 2) -> list[dict[str, str]]:
    rows = []
    for i in range(n):
        (root / "v").mkdir(parents=True, exist_ok=True)
        (root / "v" / f"{i}.mp4").write_bytes(b"x")
        rows.append({"video_id": f"v{i}", "path": f"v/{i}.mp4", "label": ["real", "fake"][i % 2], "group": f"g{i}"})
    return rows


def test_valid_manifest_fills_optional_columns(tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, _rows(tmp_path), ["video_id", "path", "label", "group"])
    table = read_manifest(manifest)
    assert table.columns == ["video_id", "path", "label", "group", "method", "source"]
    assert table["method"].to_list() == ["none", "unknown"]
    assert table["source"].to_list() == table["group"].to_list()


def test_path_is_normalised_relative_to_root(tmp_path: Path) -> None:
    rows = _rows(tmp_path, 1)
    rows[0]["path"] = "v/../v/0.mp4"
    assert read_manifest(write_manifest(tmp_path, rows))["path"].to_list() == ["v/0.mp4"]


def test_missing_column_is_named(tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, _rows(tmp_path), ["video_id", "path", "group"])
    with pytest.raises(FvcError, match=r"missing column\(s\) label"):
        read_manifest(manifest)


def test_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    rows = _rows(tmp_path)
    rows[1]["video_id"] = "v0"
    with pytest.raises(FvcError, match=r"line 3, column video_id: duplicate id 'v0' \(first on line 2\)"):
        read_manifest(write_manifest(tmp_path, rows))


def test_unknown_label(tmp_path: Path) -> None:
    rows = _rows(tmp_path)
    rows[0]["label"] = "deepfake"
    with pytest.raises(FvcError, match=r"line 2, column label: 'deepfake', expected real or fake"):
        read_manifest(write_manifest(tmp_path, rows))


@pytest.mark.parametrize("bad", ["../outside.mp4", "/etc/passwd", "v/../../outside.mp4"])
def test_path_outside_root(tmp_path: Path, bad: str) -> None:
    root = tmp_path / "corpus"
    rows = _rows(root)
    (tmp_path / "outside.mp4").write_bytes(b"x")
    rows[1]["path"] = bad
    with pytest.raises(FvcError, match=r"line 3, column path: .* outside the corpus root"):
        read_manifest(write_manifest(root, rows))


def test_symlink_leaving_root(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    rows = _rows(root)
    (tmp_path / "secret.mp4").write_bytes(b"x")
    os.symlink(tmp_path / "secret.mp4", root / "v" / "link.mp4")
    rows[0]["path"] = "v/link.mp4"
    with pytest.raises(FvcError, match=r"line 2, column path: .* outside the corpus root"):
        read_manifest(write_manifest(root, rows))


def test_missing_file(tmp_path: Path) -> None:
    rows = _rows(tmp_path)
    rows[0]["path"] = "v/nope.mp4"
    with pytest.raises(FvcError, match=r"line 2, column path: 'v/nope.mp4' is not a file"):
        read_manifest(write_manifest(tmp_path, rows))


def test_empty_manifest(tmp_path: Path) -> None:
    with pytest.raises(FvcError, match="no rows"):
        read_manifest(write_manifest(tmp_path, []))


def test_empty_field(tmp_path: Path) -> None:
    rows = _rows(tmp_path)
    rows[1]["group"] = " "
    with pytest.raises(FvcError, match=r"line 3, column group: empty value"):
        read_manifest(write_manifest(tmp_path, rows))


def test_non_utf8(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.csv"
    manifest.write_bytes(b"video_id,path,label,group\nv\xff,v.mp4,real,g\n")
    with pytest.raises(FvcError, match=r"line 2: not UTF-8"):
        read_manifest(manifest)


def test_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(FvcError, match="manifest not found"):
        read_manifest(tmp_path / "manifest.csv")


def test_the_path_returned_is_the_path_checked_not_a_lexical_shortcut_out_of_the_root(tmp_path: Path) -> None:
    # root/link -> root/a/b, so "link/../secret.mp4" resolves to root/a/secret.mp4 (inside), while its lexical
    # normal form, root/secret.mp4, is a symlink to a file outside the root.
    root = tmp_path / "corpus"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "secret.mp4").write_bytes(b"inside")
    (tmp_path / "outside.mp4").write_bytes(b"outside")
    os.symlink(root / "a" / "b", root / "link", target_is_directory=True)
    os.symlink(tmp_path / "outside.mp4", root / "secret.mp4")
    rows = [{"video_id": "v0", "path": "link/../secret.mp4", "label": "real", "group": "g0"}]
    (path,) = read_manifest(write_manifest(root, rows))["path"].to_list()
    assert (root / path).read_bytes() == b"inside"
    assert (root / path).resolve() == (root / "a" / "secret.mp4").resolve()


def test_a_symlink_to_a_file_inside_the_root_is_stored_as_its_target(tmp_path: Path) -> None:
    rows = _rows(tmp_path, 1)
    os.symlink(tmp_path / "v" / "0.mp4", tmp_path / "alias.mp4")
    rows[0]["path"] = "alias.mp4"
    assert read_manifest(write_manifest(tmp_path, rows))["path"].to_list() == ["v/0.mp4"]
