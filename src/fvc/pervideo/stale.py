"""Removing stale files: a folder that a stage owns keeps exactly the files its current inputs map to."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path


def remove_stale_files(folder: Path, keep: Collection[str]) -> int:
    """Remove every file (or link) directly in ``folder`` whose name is not in ``keep``: outputs of removed
    inputs, of older params or code, and temporaries of a killed run. Subfolders are left alone.

    Returns the number of files removed. Raises OSError if ``folder`` cannot be listed or a file removed.
    """
    removed = 0
    for path in Path(folder).iterdir():
        if path.name not in keep and (path.is_file() or path.is_symlink()):
            path.unlink()
            removed += 1
    return removed
