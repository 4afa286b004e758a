"""The ``dfdc`` layout: the DeepFake Detection Challenge training set, its parts unpacked side by side.

::

    dfdc_train_part_0/metadata.json      {"aaqaifqrwn.mp4": {"label": "FAKE", "original": "xugmhbetrw.mp4", ...}, ...}
    dfdc_train_part_0/aaqaifqrwn.mp4     the videos, beside the metadata.json that lists them
    metadata.json                        optional: videos in the root itself

Each ``metadata.json`` maps a file name to ``label`` (``REAL`` or ``FAKE``, any case) and, for a fake, ``original``
(the real video it was made from); other keys (``split``) are ignored. Ids: ``<folder>__<stem>`` (``<stem>`` for the
root). ``group`` and ``source`` are the original's stem (a real's own), so a fake and its original share a group,
across parts too; ``method`` is ``dfdc`` for fakes. The metadata ships in the same archive as its videos, so a listed
file that is missing is an error, not a skip. Files beside a metadata.json it does not list, and the files of
first-level folders without one, are reported, not indexed.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from fvc.corpus.layout_tools import index_summary, unknown_summary
from fvc.corpus.manifest import inside_root
from fvc.corpus.registry import INDEX_COLUMNS, register_layout
from fvc.errors import FvcError

METADATA_NAME = "metadata.json"


@register_layout("dfdc")
def dfdc_layout(root: Path) -> pl.DataFrame:
    """Index a DFDC tree (module docstring): ``root/metadata.json`` and ``root/*/metadata.json``. Prints a one-line
    summary with the files not in the layout. FvcError naming the file and the key for: no metadata.json at all,
    bad JSON, an entry that is not an object, a name that is not a plain file name, a missing or unknown label,
    a fake without an original, or a listed video that is not a file."""
    rows: list[dict[str, str]] = []
    unknown: list[str] = []
    folders = [root, *sorted(p for p in root.iterdir() if p.is_dir())]
    if not any((folder / METADATA_NAME).is_file() for folder in folders):
        raise FvcError(f"{root}: no {METADATA_NAME} in it or its folders (the dfdc layout: <part>/{METADATA_NAME})")
    for folder in folders:
        listed = _read_metadata(root, folder, rows) if (folder / METADATA_NAME).is_file() else set()
        unknown += [
            p.relative_to(root).as_posix()
            for p in sorted(folder.iterdir())
            if not p.is_dir() and p.name != METADATA_NAME and p.name not in listed
        ]
    table = pl.DataFrame(rows, schema=dict.fromkeys(INDEX_COLUMNS, pl.String)).sort("video_id")
    print(f"dfdc: {index_summary(table)}, {unknown_summary(unknown)}")
    return table


def _read_metadata(root: Path, folder: Path, rows: list[dict[str, str]]) -> set[str]:
    """Append the videos ``folder/metadata.json`` lists to ``rows``; return their names. FvcError (module docstring)."""
    file = folder / METADATA_NAME
    try:
        entries = json.loads(file.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise FvcError(f"{file}: not valid JSON ({err})") from None
    if not isinstance(entries, dict):
        raise FvcError(f"{file}: expected an object mapping each video file name to its entry")
    prefix = "" if folder == root else f"{folder.name}__"
    for name, entry in entries.items():
        where = f"{file}: key {name!r}"
        if not isinstance(entry, dict):
            raise FvcError(f"{where}: expected an object with label (and original for a fake)")
        if not name or any(c in "/\\" or not c.isprintable() for c in name) or name in (".", ".."):
            raise FvcError(f"{where}: not a file name (videos lie beside their {METADATA_NAME})")
        label = entry.get("label")
        if not isinstance(label, str) or label.upper() not in ("REAL", "FAKE"):
            found = "no label" if label is None else f"label {label!r}"
            raise FvcError(f"{where}: {found}, expected REAL or FAKE")
        fake = label.upper() == "FAKE"
        original = entry.get("original") if fake else name
        if not isinstance(original, str) or not original.strip():
            raise FvcError(f"{where}: a FAKE needs the file name of its original, found {original!r}")
        rel = (folder / name).relative_to(root).as_posix()
        group = Path(original.strip()).stem
        rows.append(
            {
                "video_id": f"{prefix}{Path(name).stem}",
                "path": inside_root(root, rel, where),
                "label": "fake" if fake else "real",
                "group": group,
                "method": "dfdc" if fake else "none",
                "source": group,
            }
        )
    return set(entries)
