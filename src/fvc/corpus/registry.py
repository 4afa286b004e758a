"""Corpus layouts: ``ingest.layout`` in params.yaml names a reader registered here.

A layout is the way a corpus on disk says which file is which video: ``manifest`` reads ``root/manifest.csv``;
a public dataset's own folder tree and metadata (FaceForensics++, Celeb-DF, DFDC) is a layout too. Adding one
is one module and one line: ``src/fvc/corpus/<name>.py`` holding a reader decorated ``@register_layout("<name>")``,
and an import of that module in ``src/fvc/corpus/__init__.py`` (importing it runs the decorator).

The contract of a layout reader ``reader(root: Path, **options) -> pl.DataFrame``:

- ``root`` is the corpus folder, absolute and resolved; ``options`` are the layout's own settings, keyword-only
  with defaults (an option the reader does not take is refused before it is called).
- It returns one row per video with exactly the columns ``INDEX_COLUMNS`` (video_id, path, label, group, method,
  source), in that order, all strings, none empty: ``video_id`` unique and usable as a file name (no ``/``,
  ``\\`` or control character); ``label`` ``real`` or ``fake``; ``group`` keeps a source clip and its fakes
  together (cross-validation never splits a group); ``method`` the manipulation (``none`` for reals);
  ``source`` the identity or source clip.
- ``path`` is the video file resolved (symlinks followed) and relative to ``root``, with forward slashes, and
  checked to lie inside it: pass each path through ``fvc.corpus.manifest.inside_root``. Later stages open
  ``root / path``, so the path stored must be the path checked.
- Errors a user can cause (a missing metadata file, a bad row, no videos) raise FvcError with a one-line message
  naming the file and what was expected. Files are listed, not opened as videos: ingest probes them.

``read_corpus`` checks every returned table against this contract, so a reader that breaks it fails loudly.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from pathlib import Path

import polars as pl

from fvc.errors import FvcError
from fvc.schema import LABELS, MANIFEST_OPTIONAL, MANIFEST_REQUIRED

LayoutReader = Callable[..., pl.DataFrame]
INDEX_COLUMNS = (*MANIFEST_REQUIRED, *MANIFEST_OPTIONAL)
_READERS: dict[str, LayoutReader] = {}


def register_layout(name: str) -> Callable[[LayoutReader], LayoutReader]:
    """Decorator: register ``reader(root, **options)`` as corpus layout ``name``. ValueError if the name is taken."""

    def decorate(reader: LayoutReader) -> LayoutReader:
        if name in _READERS and _READERS[name] is not reader:
            raise ValueError(f"corpus layout {name!r} is already registered")
        _READERS[name] = reader
        return reader

    return decorate


def list_layouts() -> list[str]:
    """The registered corpus layout names, sorted."""
    return sorted(_READERS)


def read_corpus(root: str | os.PathLike, layout: str = "manifest", **options: object) -> pl.DataFrame:
    """List the videos of the corpus in ``root`` with the reader of ``layout``, called with ``options``.

    Returns the table of ``INDEX_COLUMNS`` (see the module docstring), ``path`` relative to ``root``.
    Errors: FvcError for an unknown layout (naming ``ingest.layout`` and the known ones), an option the layout
    does not take, a missing root folder, whatever the reader raises, and a table that breaks the contract.
    """
    if layout not in _READERS:
        raise FvcError(
            f"params.yaml: ingest.layout = {layout!r} is not a known corpus layout; known: {', '.join(list_layouts())}"
        )
    reader = _READERS[layout]
    known = sorted(p.name for p in inspect.signature(reader).parameters.values() if p.kind is p.KEYWORD_ONLY)
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise FvcError(f"corpus layout {layout} has no option {unknown[0]!r}; known: {', '.join(known) or 'none'}")
    root = Path(root).resolve()
    if not root.is_dir():
        raise FvcError(f"{root}: corpus folder not found")
    table = reader(root, **options)
    _check_index(table, layout, root)
    return table


def _check_index(table: pl.DataFrame, layout: str, root: Path) -> None:
    """FvcError naming the layout and the first broken rule if ``table`` breaks the reader contract."""
    where = f"corpus layout {layout}"
    if tuple(table.columns) != INDEX_COLUMNS or any(dtype != pl.String for dtype in table.dtypes):
        raise FvcError(f"{where}: columns {table.schema}, expected {', '.join(INDEX_COLUMNS)} (strings)")
    if table.is_empty():
        raise FvcError(f"{where}: no videos under {root}")
    for row in table.iter_rows(named=True):
        vid = row["video_id"]
        if any(not value for value in row.values()):
            raise FvcError(f"{where}: video {vid!r} has an empty field")
        if any(c in "/\\" or not c.isprintable() for c in vid):
            raise FvcError(f"{where}: video id {vid!r} cannot be a file name")
        if row["label"] not in LABELS:
            raise FvcError(f"{where}: video {vid!r} has label {row['label']!r}, expected real or fake")
        if not _is_checked_path(root, row["path"]):
            raise FvcError(f"{where}: video {vid!r} has path {row['path']!r}, not a resolved path inside {root}")
    if table["video_id"].n_unique() != table.height:
        dup = table["video_id"].filter(table["video_id"].is_duplicated())[0]
        raise FvcError(f"{where}: duplicate video id {dup!r}")


def _is_checked_path(root: Path, path: str) -> bool:
    # The stored string must be its own resolution relative to root: no "..", no symlink, nothing outside.
    try:
        return (root / path).resolve().relative_to(root).as_posix() == path
    except (OSError, RuntimeError, ValueError):  # too long, a symlink loop, outside root
        return False
