"""The corpus layout registry: ``ingest.layout`` names a reader; ``read_corpus`` dispatches and holds readers to
the contract (the index columns, one resolved path inside the root per video)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from fvc.corpus import INDEX_COLUMNS, list_layouts, read_corpus, register_layout, registry
from fvc.corpus.manifest import read_manifest
from fvc.errors import FvcError
from tests.conftest import write_manifest


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A corpus folder with two placeholder videos and a manifest listing them."""
    (tmp_path / "v").mkdir()
    rows = []
    for i, label in enumerate(("real", "fake")):
        (tmp_path / "v" / f"{i}.mp4").write_bytes(b"x")
        rows.append({"video_id": f"v{i}", "path": f"v/{i}.mp4", "label": label, "group": "g"})
    write_manifest(tmp_path, rows, ["video_id", "path", "label", "group"])
    return tmp_path


@pytest.fixture
def scratch_layouts() -> Iterator[None]:
    """Layouts registered inside a test are unregistered after it."""
    before = dict(registry._READERS)
    yield
    registry._READERS.clear()
    registry._READERS.update(before)


def _table(**overrides: str) -> pl.DataFrame:
    row = {"video_id": "v0", "path": "v/0.mp4", "label": "real", "group": "g", "method": "none", "source": "g"}
    return pl.DataFrame([{**row, **overrides}], schema=dict.fromkeys(INDEX_COLUMNS, pl.String))


def test_manifest_is_a_known_layout() -> None:
    assert "manifest" in list_layouts()


def test_the_default_layout_reads_the_manifest_in_the_root(corpus: Path) -> None:
    assert read_corpus(corpus).equals(read_manifest(corpus / "manifest.csv"))


def test_a_relative_root_gives_paths_relative_to_it(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(corpus.parent)
    assert read_corpus(corpus.name)["path"].to_list() == ["v/0.mp4", "v/1.mp4"]


def test_an_unknown_layout_names_the_param_and_the_known_layouts(corpus: Path) -> None:
    with pytest.raises(FvcError, match=r"^params.yaml: ingest.layout = 'nosuch' is not .*; known: .*manifest") as err:
        read_corpus(corpus, layout="nosuch")
    assert "\n" not in str(err.value)


def test_options_reach_the_reader(corpus: Path) -> None:
    (corpus / "v" / "1.mp4").unlink()
    with pytest.raises(FvcError, match="is not a file"):
        read_corpus(corpus)
    assert read_corpus(corpus, check_files=False).height == 2


def test_an_option_the_layout_does_not_take_is_named(corpus: Path) -> None:
    with pytest.raises(FvcError, match=r"corpus layout manifest has no option 'recursive'; known: check_files"):
        read_corpus(corpus, recursive=True)


def test_a_missing_root_is_named(tmp_path: Path) -> None:
    with pytest.raises(FvcError, match="corpus folder not found"):
        read_corpus(tmp_path / "nope")


def test_a_registered_layout_is_dispatched_with_the_resolved_root_and_its_options(
    corpus: Path, scratch_layouts: None
) -> None:
    calls = []

    @register_layout("toy")
    def toy(root: Path, *, method: str = "none") -> pl.DataFrame:
        calls.append(root)
        return _table(method=method)

    assert "toy" in list_layouts()
    assert read_corpus(corpus, layout="toy", method="blend")["method"].to_list() == ["blend"]
    assert calls == [corpus.resolve()]


def test_a_taken_name_is_refused(scratch_layouts: None) -> None:
    with pytest.raises(ValueError, match="'manifest' is already registered"):
        register_layout("manifest")(lambda root: _table())


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (_table().drop("source"), r"columns .*expected video_id, path, label, group, method, source"),
        (_table().clear(), r"no videos under"),
        (_table(group=""), r"video 'v0' has an empty field"),
        (_table(video_id="../v0"), r"video id '../v0' cannot be a file name"),
        (_table(label="Fake"), r"label 'Fake', expected real or fake"),
        (_table(path="v/../v/0.mp4"), r"path 'v/../v/0.mp4', not a resolved path inside"),
        (_table(path="link.mp4"), r"path 'link.mp4', not a resolved path inside"),
        (_table(path="../outside.mp4"), r"path '../outside.mp4', not a resolved path inside"),
        (pl.concat([_table(), _table(path="v/1.mp4")]), r"duplicate video id 'v0'"),
    ],
    ids=["column", "empty", "field", "id", "label", "dotdot", "symlink", "outside", "duplicate"],
)
def test_a_reader_that_breaks_the_contract_fails_naming_the_layout(
    corpus: Path, scratch_layouts: None, table: pl.DataFrame, message: str
) -> None:
    os.symlink(corpus / "v" / "0.mp4", corpus / "link.mp4")
    register_layout("broken")(lambda root: table)
    with pytest.raises(FvcError, match=rf"^corpus layout broken: .*{message}"):
        read_corpus(corpus, layout="broken")
