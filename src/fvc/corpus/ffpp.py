"""The ``ffpp`` layout: FaceForensics++ (with DeepFakeDetection) as its download script lays it out.

::

    original_sequences/youtube/<c>/videos/000.mp4                        real, identity 000
    original_sequences/actors/<c>/videos/01__walking.mp4                 real, actor 01 (DeepFakeDetection's originals)
    manipulated_sequences/<Method>/<c>/videos/000_003.mp4                fake: target 000's video, 003's face
    manipulated_sequences/DeepFakeDetection/<c>/videos/01_02__walking__ABC123.mp4   fake: actor 01's video, 02's face

``<c>`` is the option ``compression``: ``c23`` (default), ``c40``, or ``raw`` (the paper's c0; ``c0`` is accepted
for it). Ids: ``original__000``, ``actors__01__walking``, ``<Method>__<file stem>``. ``source`` is the target
identity (``000``, ``actor01``); ``group`` is the connected component of identities that appear together in a fake
(``000_003`` joins 000 and 003), named after its smallest identity, so no identity's face reaches two folds. FF++'s
official split lists keep each pair together too, so they are not read. Files in the selected ``<c>/videos`` folders
that fit no rule are reported, not indexed; other folders (masks, images, other compressions) are not looked at.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from fvc.corpus.layout_tools import connected_groups, index_summary, unknown_summary
from fvc.corpus.manifest import inside_root
from fvc.corpus.registry import INDEX_COLUMNS, register_layout
from fvc.errors import FvcError

METHODS = ("Deepfakes", "Face2Face", "FaceSwap", "NeuralTextures", "FaceShifter", "DeepFakeDetection")
COMPRESSIONS = ("raw", "c0", "c23", "c40")
_YOUTUBE_REAL = re.compile(r"(\d{3})")
_YOUTUBE_FAKE = re.compile(r"(\d{3})_(\d{3})")
_ACTOR_REAL = re.compile(r"(\d{2})__(\w+)")
_ACTOR_FAKE = re.compile(r"(\d{2})_(\d{2})__(\w+)__([A-Za-z0-9]+)")


@register_layout("ffpp")
def ffpp_layout(root: Path, *, compression: str = "c23", methods: Sequence[str] = METHODS) -> pl.DataFrame:
    """Index a FaceForensics++ tree (module docstring): the reals and the fakes of ``methods`` at ``compression``.

    A method in ``methods`` with no folder is skipped (a partial download); DeepFakeDetection's originals
    (``actors``) are indexed only with DeepFakeDetection. Prints a one-line summary with the files not in the layout.
    FvcError for: an unknown compression or method name, a missing ``original_sequences`` or
    ``manipulated_sequences``, an unknown folder in either, or a folder used without ``<c>/videos``.
    """
    if compression not in COMPRESSIONS:
        raise FvcError(f"ffpp option compression = {compression!r}; expected one of {', '.join(COMPRESSIONS)}")
    methods = [methods] if isinstance(methods, str) else list(methods)  # `-S ...methods=Deepfakes` gives a string
    wrong = [m for m in methods if m not in METHODS]
    if wrong:
        raise FvcError(f"ffpp option methods: {wrong[0]!r} is not a method; known: {', '.join(METHODS)}")
    unknown: list[str] = []
    originals = _subfolders(root, "original_sequences", ("youtube", "actors"), unknown)
    manipulated = _subfolders(root, "manipulated_sequences", METHODS, unknown)
    sources = {"youtube": "original"}
    if "DeepFakeDetection" in methods:
        sources["actors"] = "actors"
    rows: list[dict[str, str]] = []
    for folder, prefix in sources.items():
        if folder in originals:
            _read_videos(root, originals[folder], compression, prefix, rows, unknown)
    for method in methods:
        if method in manipulated:
            _read_videos(root, manipulated[method], compression, method, rows, unknown)
    groups = connected_groups(row.pop("identities") for row in rows)
    for row in rows:
        row["group"] = groups[row["source"]]
    table = pl.DataFrame(rows, schema=dict.fromkeys(INDEX_COLUMNS, pl.String)).sort("video_id")
    print(f"ffpp: {index_summary(table)}, {unknown_summary(unknown)}")
    return table


def _subfolders(root: Path, top: str, known: Sequence[str], unknown: list[str]) -> dict[str, Path]:
    """The folders in ``root/top`` by name (its files go to ``unknown``); FvcError if ``top`` is missing or holds a
    folder not in ``known``."""
    folder = root / top
    if not folder.is_dir():
        raise FvcError(
            f"{folder}: folder not found (the ffpp layout needs original_sequences and manipulated_sequences)"
        )
    found = {}
    for entry in sorted(folder.iterdir()):
        if not entry.is_dir():
            unknown.append(entry.relative_to(root).as_posix())
        elif entry.name not in known:
            raise FvcError(f"{entry}: unknown folder in {top}; expected {', '.join(known)}")
        else:
            found[entry.name] = entry
    return found


def _read_videos(
    root: Path, folder: Path, compression: str, prefix: str, rows: list[dict[str, str]], unknown: list[str]
) -> None:
    """Append the videos in ``folder/<c>/videos`` to ``rows`` and the other files under it to ``unknown``."""
    names = ("raw", "c0") if compression in ("raw", "c0") else (compression,)
    videos = next((folder / n / "videos" for n in names if (folder / n / "videos").is_dir()), None)
    if videos is None:
        have = sorted(p.name for p in folder.iterdir() if p.is_dir())
        raise FvcError(
            f"{folder}: no {compression}/videos folder (ffpp option compression = {compression});"
            f" it holds {', '.join(have) or 'no folder'}"
        )
    for file in sorted(p for p in videos.rglob("*") if not p.is_dir()):  # a broken link: inside_root names it
        rel = file.relative_to(root).as_posix()
        row = _video_row(file, prefix) if file.parent == videos else None
        if row is None:
            unknown.append(rel)
        else:
            rows.append({**row, "path": inside_root(root, rel, f"ffpp: {rel}")})


def _video_row(file: Path, prefix: str) -> dict[str, str] | None:
    """The index row of one file (``group`` left to the caller, ``identities`` the ids it joins), or None if the
    file does not fit the naming of its folder."""
    if file.suffix != ".mp4":
        return None
    stem = file.stem
    if prefix == "original":
        match, real = _YOUTUBE_REAL.fullmatch(stem), True
    elif prefix == "actors":
        match, real = _ACTOR_REAL.fullmatch(stem), True
    elif prefix == "DeepFakeDetection":
        match, real = _ACTOR_FAKE.fullmatch(stem), False
    else:
        match, real = _YOUTUBE_FAKE.fullmatch(stem), False
    if match is None:
        return None
    ids = match.groups()[:1] if real else match.groups()[:2]
    if prefix in ("actors", "DeepFakeDetection"):
        ids = tuple(f"actor{i}" for i in ids)
    return {
        "video_id": f"{prefix}__{stem}",
        "label": "real" if real else "fake",
        "method": "none" if real else prefix,
        "source": ids[0],
        "identities": ids,
    }
