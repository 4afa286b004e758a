"""The per-video engine: cached entries are read back, stale files go, a bad video is a reject, workers and
shards do not change results."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from fvc.errors import FvcError
from fvc.pervideo.engine import (
    Task,
    load_json,
    reject_reason,
    require_accepted,
    run_per_video,
    save_json,
)
from fvc.pervideo.shards import Shard
from fvc.pervideo.stale import remove_stale_files
from fvc.schema import REJECTS
from fvc.video import VideoError

BAD_VIDEO = -1  # the step raises VideoError for it
UNREADABLE = 13  # the step raises OSError for it


@dataclass(frozen=True)
class Square:
    """A step: {"x": x, "square": x * x}; each compute appends x to the file ``log`` (from any process)."""

    log: str

    def compute(self, x: int, entry: Path | None) -> dict:
        with open(self.log, "a", encoding="utf-8") as fh:
            fh.write(f"{x}\n")
        if x == BAD_VIDEO:
            raise VideoError("no decodable video frame")
        if x == UNREADABLE:
            raise OSError(errno.EACCES, "Permission denied", f"/corpus/videos/v{x}.mp4")
        if x == 99:
            raise ZeroDivisionError("a bug in the step")
        return save_json({"x": x, "square": x * x}, entry)

    def load(self, x: int, entry: Path) -> dict:
        return load_json(entry)


def _tasks(xs: list[int]) -> list[Task[int]]:
    return [Task(f"v{x}", f"videos/v{x}.mp4", x, entry=f"v{x}-key.json") for x in xs]


def _computed(log: Path) -> list[int]:
    return [int(line) for line in log.read_text().split()] if log.exists() else []


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return tmp_path / "computed.log"


def test_a_cached_entry_is_read_back_not_recomputed(tmp_path: Path, log: Path) -> None:
    first = run_per_video(Square(str(log)), _tasks([1, 2, 3]), cache_dir=tmp_path / "c", workers=1, desc="t")
    assert first.computed == 3 and sorted(_computed(log)) == [1, 2, 3]
    again = run_per_video(Square(str(log)), _tasks([1, 2, 3, 4]), cache_dir=tmp_path / "c", workers=1, desc="t")
    assert again.computed == 1 and sorted(_computed(log)) == [1, 2, 3, 4]
    assert again.rows["v2"] == first.rows["v2"] == {"x": 2, "square": 4}


def test_an_existing_entry_is_the_result(tmp_path: Path, log: Path) -> None:
    # The entry's name keys everything its result depends on, so the engine trusts it without a look inside.
    save_json({"x": 2, "square": -7}, tmp_path / "c" / "v2-key.json")
    result = run_per_video(Square(str(log)), _tasks([2]), cache_dir=tmp_path / "c", workers=1, desc="t")
    assert result.rows == {"v2": {"x": 2, "square": -7}} and result.computed == 0 and _computed(log) == []


def test_files_no_task_maps_to_are_removed(tmp_path: Path, log: Path) -> None:
    cache = tmp_path / "c"
    run_per_video(Square(str(log)), _tasks([1, 2]), cache_dir=cache, workers=1, desc="t")
    (cache / ".v3-key.json.1234.tmp").write_text("a killed run's temporary")
    (cache / "v1-oldkey.json").write_text("{}")  # an entry of older params or code
    (cache / "notes").mkdir()  # not a file: left alone
    run_per_video(Square(str(log)), _tasks([2]), cache_dir=cache, workers=1, desc="t")
    assert sorted(p.name for p in cache.iterdir()) == ["notes", "v2-key.json"]


def test_a_raising_task_becomes_a_reject_and_the_others_go_on(tmp_path: Path, log: Path) -> None:
    tasks = _tasks([1, BAD_VIDEO, 2, UNREADABLE, 3])
    result = run_per_video(Square(str(log)), tasks, cache_dir=tmp_path / "c", workers=1, desc="t")
    assert list(result.rows) == ["v1", "v2", "v3"]
    assert dict(result.rejects.schema) == REJECTS
    assert result.rejects.to_dicts() == [
        {"video_id": "v-1", "path": "videos/v-1.mp4", "reason": "no decodable video frame"},
        {"video_id": "v13", "path": "videos/v13.mp4", "reason": "cannot read v13.mp4 (Permission denied)"},
    ]


def test_a_video_error_is_cached_and_an_os_error_is_retried(tmp_path: Path, log: Path) -> None:
    # A VideoError follows from the entry's key; an unreadable file may be readable next time.
    tasks = _tasks([1, BAD_VIDEO, UNREADABLE])
    first = run_per_video(Square(str(log)), tasks, cache_dir=tmp_path / "c", workers=1, desc="t")
    log.unlink()
    again = run_per_video(Square(str(log)), tasks, cache_dir=tmp_path / "c", workers=1, desc="t")
    assert _computed(log) == [UNREADABLE] and again.computed == 1
    assert_frame_equal(again.rejects, first.rejects)


def test_an_exception_that_is_not_about_the_video_propagates(tmp_path: Path, log: Path) -> None:
    with pytest.raises(ZeroDivisionError):
        run_per_video(Square(str(log)), _tasks([1, 99]), cache_dir=tmp_path / "c", workers=1, desc="t")


def test_one_and_two_workers_give_the_same_result(tmp_path: Path, log: Path) -> None:
    tasks = _tasks([5, 1, BAD_VIDEO, 4, UNREADABLE, 2, 3])
    one = run_per_video(Square(str(log)), tasks, cache_dir=tmp_path / "one", workers=1, desc="t")
    two = run_per_video(Square(str(log)), tasks, cache_dir=tmp_path / "two", workers=2, desc="t")
    assert list(one.rows.items()) == list(two.rows.items()) and one.computed == two.computed == 7
    assert_frame_equal(one.rejects, two.rejects)
    assert sorted(p.name for p in (tmp_path / "one").iterdir()) == sorted(p.name for p in (tmp_path / "two").iterdir())


def test_only_the_tasks_of_the_shard_run_and_the_shards_partition_them(tmp_path: Path, log: Path) -> None:
    tasks = _tasks(list(range(20, 40)))  # all good inputs
    parts = [
        run_per_video(Square(str(log)), tasks, cache_dir=tmp_path / f"s{i}", workers=1, desc="t", shard=Shard(i, 2))
        for i in range(2)
    ]
    assert all(part.rows for part in parts) and sum(part.computed for part in parts) == 20
    assert sorted(v for part in parts for v in part.rows) == sorted(t.video_id for t in tasks)
    for i, part in enumerate(parts):
        assert all(Shard(i, 2).holds(v) for v in part.rows)
        assert sorted(p.name for p in (tmp_path / f"s{i}").iterdir()) == sorted(f"{v}-key.json" for v in part.rows)


def test_without_a_cache_folder_every_task_is_computed(log: Path) -> None:
    tasks = [Task(f"v{x}", f"v{x}.mp4", x) for x in (1, 2)]  # no entry names
    for _ in range(2):
        result = run_per_video(Square(str(log)), tasks, cache_dir=None, workers=1, desc="t")
        assert result.computed == 2 and result.rows["v2"] == {"x": 2, "square": 4}
    assert _computed(log) == [1, 2, 1, 2]


@pytest.mark.parametrize(
    ("err", "reason"),
    [
        (VideoError("only 1 frame(s) decodable"), "only 1 frame(s) decodable"),
        (VideoError("first line\nsecond line"), "first line"),
        (
            OSError(errno.ENOENT, "No such file or directory", "/abs/corpus/a.mp4"),
            "cannot read a.mp4 (No such file or directory)",
        ),
        (OSError("no errno"), "cannot read file (OSError)"),
    ],
)
def test_reject_reason_is_one_line_without_the_corpus_location(err: Exception, reason: str) -> None:
    assert reject_reason(err) == reason


def test_require_accepted_names_where_and_the_first_reject() -> None:
    rejects = pl.DataFrame([{"video_id": "a", "path": "a.mp4", "reason": "empty file (0 bytes)"}], schema=REJECTS)
    with pytest.raises(FvcError, match=r"^scale: no valid video among 1; first: a\.mp4: empty file \(0 bytes\)$"):
        require_accepted(0, rejects, "scale")
    require_accepted(1, rejects, "scale")
    require_accepted(0, pl.DataFrame(schema=REJECTS), "scale")  # nothing given: nothing to complain about


def test_remove_stale_files_keeps_the_named_files_and_folders(tmp_path: Path) -> None:
    for name in ("keep.mp4", "old.mp4", ".old.mp4.x.tmp"):
        (tmp_path / name).write_text("x")
    (tmp_path / "sub").mkdir()
    assert remove_stale_files(tmp_path, {"keep.mp4"}) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.mp4", "sub"]
