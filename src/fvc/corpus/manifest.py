"""The corpus manifest (``manifest.csv``): parsing and validation.

Columns: ``video_id, path, label, group`` required; ``method, source`` optional. ``path`` is relative to the
corpus root (the manifest's folder) and must resolve inside it, symlinks included; the table stores that
resolved path, so later stages open exactly the file that was checked. Every problem is an FvcError that
names the file, the line and the column, so a user can fix it in one go.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from fvc.corpus.registry import register_layout
from fvc.errors import FvcError
from fvc.schema import LABELS, MANIFEST_OPTIONAL, MANIFEST_REQUIRED

MANIFEST_NAME = "manifest.csv"


def read_manifest(manifest: str | os.PathLike, *, check_files: bool = True) -> pl.DataFrame:
    """Parse and validate a manifest; return it with columns video_id, path, label, group, method, source.

    ``path`` in the result is the file's resolved path (every symlink followed) relative to the corpus root, with
    forward slashes: the path that was checked to lie inside the root, so opening it reaches the checked file. A
    missing ``source`` defaults to the row's group, a missing ``method`` to "unknown" (fakes) or "none" (reals).
    Raises FvcError (naming line and column) for: non-UTF-8 text, malformed CSV (unbalanced quotes, a field over
    csv's size limit, more fields than the header), a missing or repeated column, an empty manifest, an empty
    field, a duplicate id, an id that cannot be a file name, a label other than real/fake, a path outside the
    root or that cannot be resolved, or (``check_files``) a missing file.
    """
    manifest = Path(manifest)
    root = manifest.parent.resolve()
    reader = _csv_reader(manifest)
    header = reader.fieldnames
    rows: list[dict[str, str]] = []
    seen: dict[str, int] = {}
    for row in _csv_rows(reader, manifest):
        where = f"{manifest}: line {reader.line_num}"
        if any(v.strip() for v in row.get(None) or []):  # DictReader's restkey: fields beyond the header
            raise FvcError(
                f"{where}: {len(header) + len(row[None])} fields but {len(header)} columns"
                " (quote fields that contain commas)"
            )
        rec = _checked_row(row, where, seen)
        seen[rec["video_id"]] = reader.line_num
        rec["path"] = inside_root(root, rec["path"], f"{where}, column path", check_files=check_files)
        rows.append(rec)
    if not rows:
        raise FvcError(f"{manifest}: no rows; expected one row per video")
    return pl.DataFrame(rows, schema={c: pl.String for c in (*MANIFEST_REQUIRED, *MANIFEST_OPTIONAL)})


def _csv_reader(manifest: Path) -> csv.DictReader:
    """A DictReader over the manifest's text with a checked, stripped header; FvcError naming the problem."""
    try:
        raw = manifest.read_bytes()
    except FileNotFoundError:
        raise FvcError(f"{manifest}: manifest not found") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise FvcError(f"{manifest}: line {line}: not UTF-8 text (byte 0x{raw[err.start]:02x})") from None
    # strict: an unbalanced quote raises instead of silently swallowing the rest of the file into one field.
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as err:
        raise FvcError(f"{manifest}: line {reader.line_num + 1}: malformed CSV ({err})") from None
    missing = [c for c in MANIFEST_REQUIRED if c not in header]
    if missing:
        raise FvcError(
            f"{manifest}: missing column(s) {', '.join(missing)}; expected {', '.join(MANIFEST_REQUIRED)}"
            f" (optional: {', '.join(MANIFEST_OPTIONAL)})"
        )
    repeated = [c for c in (*MANIFEST_REQUIRED, *MANIFEST_OPTIONAL) if header.count(c) > 1]
    if repeated:  # DictReader would silently keep the last one
        raise FvcError(f"{manifest}: line 1: column(s) {', '.join(repeated)} appear more than once")
    reader.fieldnames = header
    return reader


def _checked_row(row: dict, where: str, seen: dict[str, int]) -> dict[str, str]:
    """One manifest row's values, stripped and defaulted; FvcError naming ``where`` and the column."""
    rec = {k: (row.get(k) or "").strip() for k in (*MANIFEST_REQUIRED, *MANIFEST_OPTIONAL)}
    for col in MANIFEST_REQUIRED:
        if not rec[col]:
            raise FvcError(f"{where}, column {col}: empty value")
    # Later stages name files after the id (scale: <video_id>-<key>.npy): a separator would write elsewhere.
    if any(c in "/\\" or not c.isprintable() for c in rec["video_id"]):
        raise FvcError(
            f"{where}, column video_id: {rec['video_id']!r} is used as a file name;"
            " it must not contain path separators or control characters"
        )
    if rec["video_id"] in seen:
        raise FvcError(
            f"{where}, column video_id: duplicate id {rec['video_id']!r} (first on line {seen[rec['video_id']]})"
        )
    if rec["label"] not in LABELS:
        raise FvcError(f"{where}, column label: {rec['label']!r}, expected real or fake")
    rec["source"] = rec["source"] or rec["group"]
    rec["method"] = rec["method"] or ("none" if rec["label"] == "real" else "unknown")
    return rec


@register_layout("manifest")
def manifest_layout(root: Path, *, name: str = MANIFEST_NAME, check_files: bool = True) -> pl.DataFrame:
    """The ``manifest`` layout: ``root/<name>`` (manifest.csv) lists the videos; see ``read_manifest``."""
    return read_manifest(root / name, check_files=check_files)


def _csv_rows(reader: csv.DictReader, manifest: Path) -> Iterator[dict]:
    """The rows of ``reader``; a CSV syntax error becomes an FvcError naming the line."""
    try:
        yield from reader
    except csv.Error as err:
        raise FvcError(f"{manifest}: line {reader.line_num + 1}: malformed CSV ({err})") from None


def inside_root(root: Path, path: str, where: str, *, check_files: bool = True) -> str:
    """Return ``path`` (relative to ``root``, or absolute) resolved, symlinks followed, and relative to ``root``.

    ``root`` must be resolved. The result is the path that was checked: opening ``root / result`` reaches the
    checked file, whatever symlinks the original name went through. FvcError prefixed with ``where`` if ``path``
    holds a NUL, cannot be resolved (too long, a symlink loop), resolves outside ``root`` or (``check_files``)
    is not a file.
    """
    if "\x00" in path:  # the OS cannot take it: ValueError from every os call
        raise FvcError(f"{where}: {path!r} contains a NUL character")
    candidate = Path(path)
    full = candidate if candidate.is_absolute() else root / candidate
    try:
        resolved = full.resolve()
        inside = resolved.is_relative_to(root)
        is_file = inside and check_files and resolved.is_file()
    except (OSError, RuntimeError) as err:  # a name too long for the OS; RuntimeError: a symlink loop
        raise FvcError(f"{where}: {path!r} cannot be resolved ({getattr(err, 'strerror', None) or err})") from None
    if not inside:
        raise FvcError(f"{where}: {path!r} resolves outside the corpus root {root}")
    if check_files and not is_file:
        raise FvcError(f"{where}: {path!r} is not a file under {root}")
    # Return what was checked: the resolved path. A lexical normal form can differ (``link/../x`` where ``link``
    # is a symlinked folder) and name a symlink that leaves the root; a resolved path has no symlink left to follow.
    return resolved.relative_to(root).as_posix()
