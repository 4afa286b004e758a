"""Property-based tests: the manifest parser, frame sampling and aspect-ratio bucketing on generated inputs."""

from __future__ import annotations

import csv
import io
import re
import string
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fvc.corpus.manifest import read_manifest
from fvc.errors import FvcError
from fvc.schema import LABELS, MANIFEST_OPTIONAL, MANIFEST_REQUIRED
from fvc.train.buckets import AspectRatioBucketSampler
from fvc.video import sample_frame_indices

FILES = ("a.mp4", "sub/b.mp4", "sub/deeper/c d.mp4")  # exist under the corpus root
PATH_SPELLINGS = {"a.mp4": "a.mp4", "./a.mp4": "a.mp4", "sub/../a.mp4": "a.mp4", "sub/b.mp4": "sub/b.mp4"}
PATH_SPELLINGS["sub/deeper/c d.mp4"] = "sub/deeper/c d.mp4"
COLUMNS = (*MANIFEST_REQUIRED, *MANIFEST_OPTIONAL)
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
MANIFEST_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Arbitrary printable text (string.printable has tab, newline, CR, VT, FF too), plus some non-ASCII.
any_text = st.text(alphabet=st.sampled_from(string.printable + "éß漢€\u00a0"), max_size=12)
# One physical line, with at least one visible character: a valid free-text field.
one_line = st.text(alphabet=st.characters(codec="utf-8", exclude_characters=LINE_BREAKS), min_size=0, max_size=10)
visible = st.builds(
    lambda pad, core, end: pad + core + end,
    st.sampled_from(["", " ", "\t"]),
    st.text(alphabet=string.ascii_letters + string.digits + "_-.é ,\"'", min_size=1, max_size=8).filter(str.strip),
    st.sampled_from(["", " "]),
)


@pytest.fixture(scope="module")
def corpus_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    for name in FILES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"x")
    return root


def _write(root: Path, header: list[str], rows: list[list[str]]) -> Path:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    path = root / "manifest.csv"
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")
    return path


@st.composite
def valid_manifests(draw, extra_text=any_text):
    """(header, rows as lists in header order, expected rows as dicts): any column order, optional columns or not,
    unknown extra columns (holding ``extra_text``), ids unique after stripping, fields padded with spaces."""
    optional = draw(st.lists(st.sampled_from(MANIFEST_OPTIONAL), unique=True))
    extra = draw(st.lists(st.sampled_from(["notes", "fps", "Label"]), unique=True))
    header = draw(st.permutations([*MANIFEST_REQUIRED, *optional, *extra]))
    n = draw(st.integers(1, 6))
    ids = draw(st.lists(visible.filter(lambda s: "/" not in s), min_size=n, max_size=n, unique_by=str.strip))
    rows, expected = [], []
    for vid in ids:
        rec = {
            "video_id": vid,
            "path": draw(st.sampled_from(sorted(PATH_SPELLINGS))),
            "label": draw(st.sampled_from(LABELS)) + draw(st.sampled_from(["", " "])),
            "group": draw(visible),
            "method": draw(one_line) if "method" in optional else "",
            "source": draw(one_line) if "source" in optional else "",
            "notes": draw(extra_text),
            "fps": draw(extra_text),
            "Label": draw(extra_text),
        }
        rows.append([rec[c] for c in header])
        label = rec["label"].strip()
        expected.append(
            {
                "video_id": vid.strip(),
                "path": PATH_SPELLINGS[rec["path"]],
                "label": label,
                "group": rec["group"].strip(),
                "method": rec["method"].strip() or ("none" if label == "real" else "unknown"),
                "source": rec["source"].strip() or rec["group"].strip(),
            }
        )
    return header, rows, expected


@given(valid_manifests())
@MANIFEST_SETTINGS
def test_valid_manifest_parses_to_its_rows(corpus_root: Path, manifest) -> None:
    header, rows, expected = manifest
    table = read_manifest(_write(corpus_root, header, rows))
    assert table.columns == list(COLUMNS)
    assert table.to_dicts() == expected


DEFECTS = ("empty", "duplicate_id", "id_with_separator", "unknown_label", "outside_root", "missing_file")


@given(valid_manifests(extra_text=one_line), st.sampled_from(DEFECTS), st.data())
@MANIFEST_SETTINGS
def test_one_defect_is_named_by_line_and_column(corpus_root: Path, manifest, defect: str, data) -> None:
    header, rows, _ = manifest
    k = data.draw(st.integers(0, len(rows) - 1), label="defective row")
    col = {
        "empty": data.draw(st.sampled_from(MANIFEST_REQUIRED), label="emptied column"),
        "duplicate_id": "video_id",
        "id_with_separator": "video_id",
        "unknown_label": "label",
        "outside_root": "path",
        "missing_file": "path",
    }[defect]
    if defect == "duplicate_id":
        assume(k > 0)
        value = rows[data.draw(st.integers(0, k - 1))][header.index("video_id")]
    else:
        value = {
            "empty": data.draw(st.sampled_from(["", " ", "\t"])),
            "id_with_separator": "a/" + rows[k][header.index("video_id")],
            "unknown_label": data.draw(visible.filter(lambda s: s.strip() not in LABELS)),
            "outside_root": data.draw(st.sampled_from(["../a.mp4", "/etc/hostname", "sub/../../a.mp4"])),
            "missing_file": data.draw(st.sampled_from(["nope.mp4", "sub", "sub/deeper/"])),
        }[defect]
    rows[k][header.index(col)] = value
    # Fields hold no line breaks here, so the header is line 1 and row k is line k + 2.
    with pytest.raises(FvcError, match=rf"line {k + 2}, column {col}: "):
        read_manifest(_write(corpus_root, header, rows))


def _as_csv(header: list[str], rows: list[list[str]], quoting: int) -> str:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, quoting=quoting, escapechar="\\" if quoting == csv.QUOTE_NONE else None)
    try:
        writer.writerow(header)
        writer.writerows(rows)
    except csv.Error:  # QUOTE_NONE cannot write a record of one empty field
        return _as_csv(header, rows, csv.QUOTE_MINIMAL)
    return buf.getvalue()


field = st.one_of(st.sampled_from([*LABELS, *FILES, "../a.mp4", "v1", '"', '"a', 'a"b', "", ","]), any_text)
csv_text = st.builds(
    _as_csv,
    st.lists(st.one_of(st.sampled_from(COLUMNS), any_text), max_size=8),
    st.lists(st.lists(field, max_size=8)),
    st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONE]),
)
# Hand-made text: a valid header, then lines glued from fields, commas and stray quotes (unbalanced on purpose).
raw_text = st.builds(
    lambda header, lines: ",".join(header) + "\n" + "\n".join("".join(line) for line in lines),
    st.permutations(list(COLUMNS)),
    st.lists(st.lists(st.one_of(field, st.sampled_from([",", '"', "\r\n"])), max_size=12), max_size=5),
)


@given(text=st.one_of(csv_text, raw_text))
@MANIFEST_SETTINGS
def test_arbitrary_text_parses_or_raises_fvc_error(corpus_root: Path, text: str) -> None:
    path = corpus_root / "manifest.csv"
    path.write_text(text, encoding="utf-8", newline="")
    try:
        table = read_manifest(path)
    except FvcError as err:
        message = str(err)
        assert "\n" not in message  # one line: values are quoted with repr
        # A row's error names its line (and, unless the CSV itself is malformed, the column); a file-level error
        # names what is missing.
        assert re.search(r"line \d+(, column \w+|: )", message) or re.search(r"missing column|no rows", message)
    else:
        assert table.columns == list(COLUMNS) and table.height >= 1
        assert set(table["label"]) <= set(LABELS)
        assert table["video_id"].n_unique() == table.height


# ---- sample_frame_indices


@given(frame_count=st.integers(1, 20000), snippets=st.integers(1, 64), snippet=st.integers(1, 16))
@settings(max_examples=400, deadline=None)
def test_sampled_indices_are_sorted_in_range_and_cover_the_video(frame_count: int, snippets: int, snippet: int) -> None:
    num_frames = snippets * snippet
    idx = sample_frame_indices(frame_count, num_frames, snippet)
    assert idx.dtype == np.int64 and idx.shape == (num_frames,)
    assert np.all(np.diff(idx) >= 0)
    assert idx.min() >= 0 and idx.max() <= frame_count - 1
    assert idx[0] < frame_count / snippets
    assert idx[-1] >= frame_count - frame_count / snippets - snippet
    if frame_count >= num_frames:
        blocks = idx.reshape(snippets, snippet)
        assert np.all(np.diff(blocks, axis=1) == 1)  # each snippet is consecutive frames
        assert len(np.unique(idx)) == num_frames  # no frame twice: snippets do not overlap


@given(
    frame_count=st.integers(-3, 5),
    num_frames=st.integers(-3, 9),
    snippet=st.integers(-3, 9),
)
def test_sampling_rejects_impossible_requests_with_value_error(frame_count: int, num_frames: int, snippet: int) -> None:
    valid = frame_count >= 1 and num_frames >= 1 and snippet >= 1 and num_frames % snippet == 0
    if valid:
        assert len(sample_frame_indices(frame_count, num_frames, snippet)) == num_frames
    else:
        with pytest.raises(ValueError, match="frame_count="):
            sample_frame_indices(frame_count, num_frames, snippet)


# ---- AspectRatioBucketSampler

SIZES = [(64, 64), (64, 128), (128, 64), (96, 160), (32, 256)]
sampler_args = {
    "shapes": st.lists(st.sampled_from(SIZES), max_size=60),
    "batch_size": st.integers(1, 9),
    "seed": st.integers(0, 2**32 - 1),
    "epoch": st.integers(0, 1000),
    "shuffle": st.booleans(),
}


def _sampler(shapes, batch_size, seed, epoch, shuffle, **kwargs) -> AspectRatioBucketSampler:
    sampler = AspectRatioBucketSampler(shapes, batch_size, seed=seed, shuffle=shuffle, **kwargs)
    sampler.set_epoch(epoch)
    return sampler


@given(**sampler_args)
@settings(max_examples=300, deadline=None)
def test_every_index_once_and_one_shape_per_full_batch(shapes, batch_size, seed, epoch, shuffle) -> None:
    batches = list(_sampler(shapes, batch_size, seed, epoch, shuffle))
    assert len(batches) == len(_sampler(shapes, batch_size, seed, epoch, shuffle))
    assert sorted(i for b in batches for i in b) == list(range(len(shapes)))
    counts = {s: shapes.count(s) for s in set(shapes)}
    n_full = sum(c // batch_size for c in counts.values())
    # Full batches come first and hold one shape; the leftovers (what no bucket could fill) come last.
    for batch in batches[:n_full]:
        assert len(batch) == batch_size and len({shapes[i] for i in batch}) == 1
    leftover = batches[n_full:]
    assert sum(len(b) for b in leftover) == sum(c % batch_size for c in counts.values())
    assert all(len(b) == batch_size for b in leftover[:-1]) and all(0 < len(b) <= batch_size for b in leftover)


@given(**sampler_args)
@settings(max_examples=150, deadline=None)
def test_drop_last_drops_only_a_short_last_leftover(shapes, batch_size, seed, epoch, shuffle) -> None:
    kept = list(_sampler(shapes, batch_size, seed, epoch, shuffle, drop_last=True))
    full = list(_sampler(shapes, batch_size, seed, epoch, shuffle))
    assert all(len(b) == batch_size for b in kept)
    assert kept == (full[:-1] if full and len(full[-1]) < batch_size else full)


@given(**sampler_args)
@settings(max_examples=150, deadline=None)
def test_order_is_a_function_of_seed_and_epoch(shapes, batch_size, seed, epoch, shuffle) -> None:
    first = list(_sampler(shapes, batch_size, seed, epoch, shuffle))
    again = _sampler(shapes, batch_size, seed, epoch + 1, shuffle)
    list(again)  # another epoch in between must not leave state behind
    again.set_epoch(epoch)
    assert list(again) == first


@given(**sampler_args, num_replicas=st.integers(2, 4))
@settings(max_examples=150, deadline=None)
def test_ranks_step_together_and_cover_every_index(shapes, batch_size, seed, epoch, shuffle, num_replicas) -> None:
    shares = [
        list(_sampler(shapes, batch_size, seed, epoch, shuffle, num_replicas=num_replicas, rank=r))
        for r in range(num_replicas)
    ]
    assert len({len(share) for share in shares}) == 1
    assert len(shares[0]) == len(_sampler(shapes, batch_size, seed, epoch, shuffle, num_replicas=num_replicas))
    assert {i for share in shares for b in share for i in b} == set(range(len(shapes)))
