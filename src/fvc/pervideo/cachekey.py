"""Keys of the per-video caches that stages own: a cached result is reused only if its key matches.

A key covers the video's content hash, the stage params and the source code that computes the result, so a
rerun recomputes exactly the videos whose inputs, params or code changed (DVC reruns the stage when any of them
changes; the key decides per video).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from types import ModuleType


@cache
def code_digest(*modules: ModuleType) -> str:
    """sha256 of the source files of ``modules`` (every .py file of a package), in a stable order."""
    digest = hashlib.sha256()
    for module in modules:
        path = Path(module.__file__)
        files = sorted(path.parent.rglob("*.py")) if path.name == "__init__.py" else [path]
        for file in files:
            digest.update(file.name.encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def cache_key(**parts: object) -> str:
    """A 16-hex-digit key of JSON-serialisable ``parts`` (order-independent)."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]
