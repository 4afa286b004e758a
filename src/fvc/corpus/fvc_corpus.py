"""The ``fvc`` layout: the Fake Video Corpus (FVC-2018, MKLab-ITI/fake-video-corpus) beside the videos downloaded.

::

    FVC.csv        cascade_id,video_url,label    one row per cascade: the first video of a story
    FVC_dup.csv    cascade_id,video_url,label    the cascade's near-duplicate re-posts (optional; option duplicates)
    videos/<video_id>.<mp4|webm|mkv>             what the download got

Columns: ``cascade_id`` and ``label`` required, and ``video_id`` or ``video_url``; others are ignored. Without a
``video_id`` column the id is derived from the URL (``video_id_from_url``): ``yt_<id>`` (YouTube), ``fb_<id>``
(Facebook), ``tw_<status id>`` (Twitter/X), otherwise ``url_<first 16 hex digits of the URL's sha256>``; save each
download under that name. Labels: ``fake`` or ``debunked`` -> fake, ``real`` or ``verified`` -> real (any case);
any other label (uncertain, parody, empty) excludes the row. ``group`` and ``source`` are the cascade: a video and
its re-posts never meet across folds. ``method`` is ``fvc`` for fakes (the corpus does not name the manipulation).

A listed video with no file is skipped and counted (downloads of old posts often fail), a video listed twice is
indexed once (its first row, FVC.csv before FVC_dup.csv), and the printed summary counts both, the excluded rows
and the files in ``videos/`` that no row names (FVC_dup.csv names its videos even with ``duplicates`` off).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import polars as pl

from fvc.corpus.layout_tools import index_summary, unknown_summary
from fvc.corpus.manifest import inside_root
from fvc.corpus.registry import INDEX_COLUMNS, register_layout
from fvc.errors import FvcError

ANNOTATIONS = "FVC.csv"
DUPLICATES = "FVC_dup.csv"
VIDEOS = "videos"
EXTENSIONS = (".mp4", ".webm", ".mkv")  # the first present wins when a video was saved twice
LABELS = {"fake": "fake", "debunked": "fake", "real": "real", "verified": "real"}


@register_layout("fvc")
def fvc_layout(root: Path, *, duplicates: bool = True) -> pl.DataFrame:
    """Index the Fake Video Corpus in ``root`` (module docstring); ``duplicates`` adds the re-posts of FVC_dup.csv.

    Prints a one-line summary: videos indexed, listed videos missing, rows excluded by label, rows repeating a
    video, files not in the layout. FvcError (naming file, line and column) for: a missing FVC.csv, a missing
    column, malformed CSV, an empty cascade_id, a row with neither video_id nor video_url, or a video_id that
    cannot be a file name.
    """
    files = [root / ANNOTATIONS]
    if not files[0].is_file():
        raise FvcError(f"{files[0]}: not found (the fvc layout: {ANNOTATIONS}, optional {DUPLICATES}, {VIDEOS}/)")
    if (root / DUPLICATES).is_file():  # read even without ``duplicates``: its downloads are known, not strays
        files.append(root / DUPLICATES)
    on_disk = _files_by_stem(root / VIDEOS)
    rows: list[dict[str, str]] = []
    missing: list[str] = []
    excluded: Counter[str] = Counter()
    named: set[str] = set()  # every id a row names, excluded rows too: their downloads are not strays
    repeated = 0
    for file in files:
        for line, video_id, cascade, label in _annotations(file):
            if file.name == DUPLICATES and not duplicates:
                named.add(video_id)
                continue
            if video_id in named:
                repeated += 1
                continue
            named.add(video_id)
            if label not in LABELS:
                excluded[label or "(empty)"] += 1
                continue
            candidates = on_disk.get(video_id, [])
            if not candidates:
                missing.append(f"{VIDEOS}/{video_id}.*")
                continue
            rel = candidates[0].relative_to(root).as_posix()
            rows.append(
                {
                    "video_id": video_id,
                    "path": inside_root(root, rel, f"{file}: line {line}"),
                    "label": LABELS[label],
                    "group": cascade,
                    "method": "fvc" if LABELS[label] == "fake" else "none",
                    "source": cascade,
                }
            )
    unknown = _strays(root, on_disk, {r["video_id"] for r in rows}, named)
    table = pl.DataFrame(rows, schema=dict.fromkeys(INDEX_COLUMNS, pl.String)).sort("video_id")
    labels = ", ".join(f"{k} {n}" for k, n in sorted(excluded.items()))
    print(
        f"fvc: {index_summary(table)}, {unknown_summary(missing, 'listed videos missing')},"
        f" {excluded.total()} rows excluded by label{f' ({labels})' if labels else ''},"
        f" {repeated} rows repeating a video, {unknown_summary(unknown)}"
    )
    return table


def _strays(root: Path, on_disk: dict[str, list[Path]], indexed: set[str], named: set[str]) -> list[str]:
    """Downloaded files no row accounts for (a second download of an indexed video counts), relative to root."""
    strays: list[Path] = []
    for stem, paths in on_disk.items():
        if stem in indexed:
            strays += paths[1:]
        elif stem not in named:
            strays += paths
    return sorted(p.relative_to(root).as_posix() for p in strays)


def video_id_from_url(url: str) -> str:
    """The file name stem (without extension) a download of ``url`` is saved under; see the module docstring."""
    parsed = urlparse(url.strip())
    host = (parsed.hostname or "").removeprefix("www.").removeprefix("m.")
    parts = [p for p in parsed.path.split("/") if p]
    query = parse_qs(parsed.query)
    found = None
    if host in ("youtube.com", "youtu.be"):
        if host == "youtu.be" and parts:
            found = "yt", parts[0]
        elif "v" in query:
            found = "yt", query["v"][0]
        elif len(parts) >= 2 and parts[0] in ("shorts", "embed", "v"):
            found = "yt", parts[1]
    elif host == "facebook.com":
        if "videos" in parts[:-1]:
            found = "fb", parts[parts.index("videos") + 1]
        elif "v" in query:
            found = "fb", query["v"][0]
    elif host in ("twitter.com", "x.com") and "status" in parts[:-1]:
        found = "tw", parts[parts.index("status") + 1]
    if found and re.fullmatch(r"[A-Za-z0-9_-]+", found[1]):
        return f"{found[0]}_{found[1]}"
    return "url_" + hashlib.sha256(url.strip().encode()).hexdigest()[:16]


def _files_by_stem(folder: Path) -> dict[str, list[Path]]:
    """The files directly in ``folder`` by stem, each stem's files in EXTENSIONS order (others after, as strays)."""
    if not folder.is_dir():
        return {}
    by_stem: dict[str, list[Path]] = {}
    for p in sorted(folder.iterdir()):
        if not p.is_dir():
            key = p.stem if p.suffix.lower() in EXTENSIONS else p.name  # a .part or .txt never names a video
            by_stem.setdefault(key, []).append(p)
    rank = {ext: i for i, ext in enumerate(EXTENSIONS)}
    for paths in by_stem.values():
        paths.sort(key=lambda p: rank.get(p.suffix.lower(), len(rank)))
    return by_stem


def _annotations(file: Path) -> Iterator[tuple[int, str, str, str]]:
    """Yield ``(line, video_id, cascade_id, label)`` per row of an FVC CSV, label lower-cased; FvcError naming the
    file, line and column."""
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise FvcError(f"{file}: not UTF-8 text (byte {err.start})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in reader.fieldnames or []]
        reader.fieldnames = header
        missing = [c for c in ("cascade_id", "label") if c not in header]
        if "video_id" not in header and "video_url" not in header:
            missing.append("video_id or video_url")
        if missing:
            raise FvcError(f"{file}: missing column(s) {', '.join(missing)}; expected cascade_id, video_url, label")
        for row in reader:
            where = f"{file}: line {reader.line_num}"
            cascade = (row.get("cascade_id") or "").strip()
            if not cascade:
                raise FvcError(f"{where}, column cascade_id: empty value")
            video_id = (row.get("video_id") or "").strip()
            url = (row.get("video_url") or "").strip()
            if not video_id and not url:
                raise FvcError(f"{where}: no video_id and no video_url")
            if video_id and any(c in "/\\" or not c.isprintable() for c in video_id):
                raise FvcError(f"{where}, column video_id: {video_id!r} is a file name; no separators allowed")
            yield reader.line_num, video_id or video_id_from_url(url), cascade, (row.get("label") or "").strip().lower()
    except csv.Error as err:
        raise FvcError(f"{file}: line {reader.line_num + 1}: malformed CSV ({err})") from None
