"""The generated tiny corpus: byte-for-byte determinism, manifest schema and balance, a local fake signal."""

from __future__ import annotations

import csv
import dataclasses
from collections import Counter
from pathlib import Path

import av
import numpy as np
import pytest

from fvc.corpus.manifest import read_manifest as read_corpus_manifest
from fvc.errors import FvcError
from fvc.synth import DEFAULT_STRENGTH, MANIFEST_COLUMNS, build_plan, generate_corpus
from fvc.synth.render import face_boxes

SEED = 3


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The tiny corpus twice: once on 1 worker, once on 2 into a folder holding stale and foreign files."""
    first = tmp_path_factory.mktemp("first")
    generate_corpus(first, seed=SEED, size="tiny", workers=1, progress=False)
    second = tmp_path_factory.mktemp("second")
    (second / "videos").mkdir()
    (second / "videos" / "g99_r0_real.mp4").write_bytes(b"stale")
    (second / "notes.txt").write_text("not ours")
    generate_corpus(second, seed=SEED, size="tiny", workers=2, progress=False)
    return first, second


def read_manifest(root: Path) -> list[dict[str, str]]:
    with open(root / "manifest.csv", newline="") as f:
        return list(csv.DictReader(f))


def decode(path: Path) -> np.ndarray:
    with av.open(str(path)) as c:
        return np.stack([f.to_ndarray(format="rgb24") for f in c.decode(video=0)]).astype(np.float32)


def test_bytes_identical_across_runs_and_worker_counts(corpora: tuple[Path, Path]) -> None:
    first, second = corpora
    names = sorted(p.name for p in (first / "videos").iterdir())
    assert names == sorted(p.name for p in (second / "videos").iterdir())  # the stale video is gone
    assert len(names) == 20
    for name in names:
        assert (first / "videos" / name).read_bytes() == (second / "videos" / name).read_bytes(), name
    assert (first / "manifest.csv").read_bytes() == (second / "manifest.csv").read_bytes()
    assert (second / "notes.txt").read_text() == "not ours"  # outside videos/: untouched
    assert not list(first.glob("**/*.tmp"))


def test_manifest_schema(corpora: tuple[Path, Path]) -> None:
    root = corpora[0]
    raw = (root / "manifest.csv").read_bytes()
    assert b"\r" not in raw and raw.endswith(b"\n")
    header = raw.decode().splitlines()[0]
    assert header == ",".join(MANIFEST_COLUMNS) == "video_id,path,label,group,method,source,donor"
    rows = read_manifest(root)
    ids = [r["video_id"] for r in rows]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    for r in rows:
        assert r["path"] == f"videos/{r['video_id']}.mp4" and (root / r["path"]).is_file()
        assert r["label"] in {"real", "fake"}
        assert (r["method"] == "none") == (r["label"] == "real")
        assert r["method"] in {"none", "faceswap", "selfblend"}
        assert r["video_id"].startswith(r["group"] + "_")


def test_manifest_names_the_donor_of_every_faceswap_and_ingest_reads_it(corpora: tuple[Path, Path]) -> None:
    root = corpora[0]
    plan = {r.stem: r for r in build_plan(SEED, "tiny")}
    rows = read_manifest(root)
    for row in rows:
        r = plan[row["video_id"].rsplit("_", 1)[0]]
        if row["method"] == "faceswap":
            assert row["donor"] == r.donor != row["source"]
        else:  # reals and selfblend fakes show no other identity
            assert row["donor"] == ""
    assert any(row["donor"] for row in rows)
    # The manifest layout ignores the extra column: the index is the usual six columns, one row per video.
    table = read_corpus_manifest(root / "manifest.csv")
    assert table.columns == ["video_id", "path", "label", "group", "method", "source"] and table.height == len(rows)


def test_labels_balanced_per_group_and_bucket(corpora: tuple[Path, Path]) -> None:
    rows = read_manifest(corpora[0])
    plan = {r.stem: r for r in build_plan(SEED, "tiny")}
    for key in ("group", "source"):
        counts = Counter((r[key], r["label"]) for r in rows)
        for value in {r[key] for r in rows}:
            assert counts[value, "real"] == counts[value, "fake"] > 0
    for attr in ("aspect", "side", "fps", "n_frames", "bpp"):
        counts = Counter((getattr(plan[r["video_id"].rsplit("_", 1)[0]], attr), r["label"]) for r in rows)
        for value in {k[0] for k in counts}:
            assert counts[value, "real"] == counts[value, "fake"], (attr, value)


def test_videos_match_their_plan(corpora: tuple[Path, Path]) -> None:
    root = corpora[0]
    for r in build_plan(SEED, "tiny"):
        for label in ("real", "fake"):
            with av.open(str(root / "videos" / f"{r.video_id(label)}.mp4")) as c:
                s = c.streams.video[0]
                assert (s.codec_context.name, s.width, s.height) == ("h264", r.width, r.height)
                assert s.average_rate == r.fps
                assert sum(1 for _ in c.decode(video=0)) == r.n_frames


def test_fake_differs_from_real_twin_inside_the_face(corpora: tuple[Path, Path]) -> None:
    # After H.264 the twins differ a little everywhere (the encoder's decisions diverge and motion compensation
    # carries differences along), but far more inside the face box than outside it.
    root = corpora[0]
    inside_means, outside_means = [], []
    for r in build_plan(SEED, "tiny"):
        real = decode(root / "videos" / f"{r.video_id('real')}.mp4")
        fake = decode(root / "videos" / f"{r.video_id('fake')}.mp4")
        diff = np.abs(real - fake).mean(axis=-1)
        inside = face_mask(diff.shape, face_boxes(r, SEED), grow=0.0)
        assert inside.any() and (~inside).any()
        inside_means.append(diff[inside].mean())
        outside_means.append(diff[~inside].mean())
    inside_means, outside_means = np.array(inside_means), np.array(outside_means)
    assert (inside_means > 1.5 * outside_means).all(), (inside_means, outside_means)
    assert inside_means.mean() > 3.0 * outside_means.mean(), (inside_means, outside_means)


def test_rendered_twins_differ_only_around_the_face() -> None:
    # Before encoding, the fake equals the real outside the face box grown by the mask's jitter room.
    from fvc.synth.render import frames

    for r in build_plan(SEED, "tiny")[:4]:
        pairs = list(frames(r, SEED, 0.5))
        diff = np.stack([np.abs(a.astype(np.int16) - b).max(axis=0) for a, b in pairs])
        near = face_mask(diff.shape, face_boxes(r, SEED), grow=0.25)
        assert diff[~near].max() == 0
        assert diff[near].mean() > 2.0


def face_mask(shape: tuple[int, ...], boxes: np.ndarray, grow: float) -> np.ndarray:
    """(T, H, W) mask of the per-frame face boxes, each grown by ``grow`` of its size on every side."""
    mask = np.zeros(shape, dtype=bool)
    for t, (x0, y0, x1, y1) in enumerate(boxes):
        gx, gy = grow * (x1 - x0), grow * (y1 - y0)
        ya, yb = max(0, int(y0 - gy)), max(0, int(np.ceil(y1 + gy)))
        xa, xb = max(0, int(x0 - gx)), max(0, int(np.ceil(x1 + gx)))
        mask[t, ya:yb, xa:xb] = True
    return mask


def test_the_pasted_face_carries_the_real_twins_sensor_noise(monkeypatch: pytest.MonkeyPatch) -> None:
    # Render each pair twice, with and without sensor noise: the difference is the noise each clip got. Inside
    # the face's core, where the fake shows only the pasted face, the fake must carry the same noise as its real
    # twin (before the fix it carried none: the paste replaced the noisy pixels).
    from fvc.synth import render

    plan = build_plan(SEED, "tiny")[:4]
    noisy = [list(render.frames(r, SEED, DEFAULT_STRENGTH)) for r in plan]
    with_noise = render.track
    monkeypatch.setattr(render, "track", lambda r, seed: dataclasses.replace(with_noise(r, seed), noise_sigma=0.0))
    for r, pairs in zip(plan, noisy, strict=True):
        clean = list(render.frames(r, SEED, DEFAULT_STRENGTH))
        core = face_mask((len(pairs), r.height, r.width), face_boxes(r, SEED), grow=-0.25)
        assert core.any()
        noise = {}
        for k, label in enumerate(("real", "fake")):
            diff = np.stack([p[k].astype(np.int16) - c[k] for p, c in zip(pairs, clean, strict=True)])
            noise[label] = diff.transpose(1, 0, 2, 3)[:, core].astype(np.float64)  # (3, pixels in the core)
        sigma = with_noise(r, SEED).noise_sigma
        assert noise["real"].std() == pytest.approx(sigma, rel=0.15)
        assert noise["fake"].std() == pytest.approx(noise["real"].std(), rel=0.05), r.stem
        assert np.corrcoef(noise["fake"].ravel(), noise["real"].ravel())[0, 1] > 0.8, r.stem  # the same stream
    assert noise  # the loop ran


def test_strength_zero_fake_equals_real() -> None:
    from fvc.synth.render import frames

    r = build_plan(SEED, "tiny")[0]
    for real, fake in frames(r, SEED, 0.0):
        assert np.array_equal(real, fake)
    real, fake = next(frames(r, SEED, 0.5))
    assert not np.array_equal(real, fake)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"size": "huge"}, "unknown size 'huge'"),
        ({"strength": 1.5}, "strength"),
        ({"seed": -1}, "seed"),
        ({"workers": 0}, "workers"),
    ],
)
def test_bad_arguments_are_user_errors(tmp_path: Path, kwargs: dict, match: str) -> None:
    with pytest.raises(FvcError, match=match):
        generate_corpus(tmp_path, progress=False, **kwargs)
    assert not (tmp_path / "manifest.csv").exists()
