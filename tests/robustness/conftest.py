"""Hostile corpora, each made and ingested once per session: a good video plus one hostile input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fvc.corpus.ingest import IngestResult, ingest
from tests.conftest import write_manifest, write_video
from tests.robustness.hostile import Hostile

GOOD_ID = "good"


@pytest.fixture(scope="session")
def hostile_corpus(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Hostile], tuple[Path, IngestResult]]:
    """``corpus(case)`` -> (manifest path, ingest result) for a corpus of one good video and ``case``'s input."""
    made: dict[str, tuple[Path, IngestResult]] = {}

    def corpus(case: Hostile) -> tuple[Path, IngestResult]:
        if case.id not in made:
            root = tmp_path_factory.mktemp(case.id)
            write_video(root / "good.mp4", seed=1)
            hostile = _make(case, root / "made")
            rows = [
                {"video_id": GOOD_ID, "path": "good.mp4", "label": "real", "group": "g0"},
                {"video_id": case.id, "path": hostile.relative_to(root).as_posix(), "label": "fake", "group": "g1"},
            ]
            manifest = write_manifest(root, rows, ["video_id", "path", "label", "group"])
            made[case.id] = (manifest, ingest(manifest, max_pixels=case.max_pixels, workers=1))
        return made[case.id]

    return corpus


def _make(case: Hostile, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return case.make(folder)
