"""The ``celebdf`` layout: Celeb-DF (v2) as it unpacks.

::

    Celeb-real/id0_0003.mp4          real, identity id0
    Celeb-synthesis/id0_id16_0003.mp4    fake: id0's video 0003 with id16's face (method celeb-synthesis)
    YouTube-real/00170.mp4           real, its own identity yt_00170 (option youtube_real)

Ids: ``<folder>__<file stem>`` (``Celeb-real__id0_0003``). ``source`` is the identity whose video it is (idX);
``group`` is the connected component of identities that appear together in a fake (idX_idY joins idX and idY),
named after its smallest identity. ``List_of_testing_videos.txt`` (the official test list) is not read: the index
has no split column, and cross-validation by group is this pipeline's split. Files in the three folders that fit
no rule are reported, not indexed.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from fvc.corpus.layout_tools import connected_groups, index_summary, unknown_summary
from fvc.corpus.manifest import inside_root
from fvc.corpus.registry import INDEX_COLUMNS, register_layout
from fvc.errors import FvcError

_NAMING = {
    "Celeb-real": re.compile(r"(id\d+)_(\d+)"),
    "Celeb-synthesis": re.compile(r"(id\d+)_(id\d+)_(\d+)"),
    "YouTube-real": re.compile(r"(\d+)"),
}


@register_layout("celebdf")
def celebdf_layout(root: Path, *, youtube_real: bool = True) -> pl.DataFrame:
    """Index a Celeb-DF tree (module docstring); ``youtube_real`` adds the YouTube-real videos (reals with no fake
    made from them). Prints a one-line summary with the files not in the layout.
    FvcError if ``Celeb-real`` or ``Celeb-synthesis`` is missing (or ``YouTube-real`` when ``youtube_real``)."""
    folders = [*_NAMING] if youtube_real else ["Celeb-real", "Celeb-synthesis"]
    rows: list[dict[str, str]] = []
    links: list[tuple[str, ...]] = []
    unknown: list[str] = []
    for name in folders:
        folder = root / name
        if not folder.is_dir():
            raise FvcError(f"{folder}: folder not found (the celebdf layout needs {', '.join(folders)})")
        for file in sorted(p for p in folder.rglob("*") if not p.is_dir()):  # a broken link: inside_root names it
            rel = file.relative_to(root).as_posix()
            match = _NAMING[name].fullmatch(file.stem) if file.parent == folder and file.suffix == ".mp4" else None
            if match is None:
                unknown.append(rel)
                continue
            identities = match.groups()[:2] if name == "Celeb-synthesis" else match.groups()[:1]
            if name == "YouTube-real":
                identities = (f"yt_{identities[0]}",)
            links.append(identities)
            fake = name == "Celeb-synthesis"
            rows.append(
                {
                    "video_id": f"{name}__{file.stem}",
                    "path": inside_root(root, rel, f"celebdf: {rel}"),
                    "label": "fake" if fake else "real",
                    "method": "celeb-synthesis" if fake else "none",
                    "source": identities[0],
                }
            )
    groups = connected_groups(links)
    for row in rows:
        row["group"] = groups[row["source"]]
    table = pl.DataFrame(rows, schema=dict.fromkeys(INDEX_COLUMNS, pl.String)).sort("video_id")
    print(f"celebdf: {index_summary(table)}, {unknown_summary(unknown)}")
    return table
