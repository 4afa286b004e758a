"""The stronger metadata test on the embedded corpus's generator: twins' files carry no label, and the audit,
under group folds, finds nothing in them, yet flags the same corpus once a file-level shortcut is planted.

The corpus is the small plan's 48 real/fake pairs (8 identities x 2 groups x 3 renditions, the factors balanced
as in ``small``) at thumbnail sizes (96-128 px, 12-24 frames), so it renders in seconds. How noisy an AUC is at
this size: swapping real and fake inside random twins (which keeps every file and destroys any label signal) and
re-running the audit (5 group folds) 100 times gave metadata AUCs with mean 0.54 and 95 % band 0.38-0.68 (max
0.76; the audit takes the higher of two probes, which biases it upwards). So the bar here is 0.7, not the
pipeline's 0.6, which lies inside that band (this corpus scores 0.63); the planted shortcuts must clear 0.9.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from av.codec.context import Flags

from fvc.corpus.ingest import ingest
from fvc.evaluate.audit import audit, rate_setting
from fvc.folds import stratified_group_folds
from fvc.synth import DEFAULT_STRENGTH, SIZES, build_plan, generate_corpus
from fvc.synth.encode import PRESET, X264_PARAMS, H264Writer, rgb_to_yuv420p
from fvc.synth.plan import BPP_CHOICES, Rendition, SizeSpec
from fvc.synth.render import frames

SEED = 0
THUMBS = SizeSpec(identities=8, groups_per_identity=2, renditions=3, lengths=(12, 16, 20, 24), sides=(96, 128))
NULL_BAR = 0.7  # above the 97.5 % quantile (0.68) of the audit's AUC with the labels' link to the files destroyed
LOGREG = {"C": 1.0, "max_correlation": 0.95}
FORMER_CRF = dict(zip(BPP_CHOICES, (18, 22, 26, 30), strict=True))  # the CRF each bit-rate level replaced


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("thumbs")
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(SIZES, "thumbs", THUMBS)
        generate_corpus(root, seed=SEED, size="thumbs", workers=2, progress=False)
    return root


def _plan() -> list[Rendition]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(SIZES, "thumbs", THUMBS)
        return build_plan(SEED, "thumbs")


def _copy_manifest(corpus: Path, planted: Path) -> None:
    (planted / "videos").mkdir(parents=True)
    (planted / "manifest.csv").write_bytes((corpus / "manifest.csv").read_bytes())


def _audit(root: Path) -> dict:
    videos = ingest(root, max_pixels=10**7, workers=1).videos
    folds = stratified_group_folds(videos, n_splits=5, group_column="group", seed=42)
    return audit(
        videos, folds, None, root=root, seed=42, logreg_options=LOGREG, max_metadata_auc=0.6, null_permutations=0
    )


def _decode(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [np.ascontiguousarray(f.to_ndarray(format="rgb24").transpose(2, 0, 1)) for f in c.decode(video=0)]


def _write_crf(path: Path, frames: list[np.ndarray], fps: int, crf: int) -> None:
    """The corpus's former encoding: x264 at a constant rate factor (quality fixed, size follows the content)."""
    with av.open(str(path), mode="w", format="mp4", options={"fflags": "+bitexact"}) as c:
        s = c.add_stream("libx264", rate=Fraction(fps))
        s.height, s.width = frames[0].shape[1:]
        s.pix_fmt = "yuv420p"
        s.codec_context.thread_count = 1
        s.codec_context.flags |= Flags.bitexact
        s.options = {"crf": str(crf), "preset": PRESET, "x264-params": X264_PARAMS}
        for i, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(rgb_to_yuv420p(rgb), format="yuv420p")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            c.mux(s.encode(frame))
        c.mux(s.encode(None))


def test_twins_are_encoded_at_one_bit_rate_and_their_sizes_say_nothing(corpus: Path) -> None:
    ratios = []
    for r in _plan():
        real, fake = (corpus / "videos" / f"{r.video_id(label)}.mp4" for label in ("real", "fake"))
        assert rate_setting(real) == rate_setting(fake) == r.bitrate_kbps  # the one x264 setting, in both files
        ratios.append(fake.stat().st_size / real.stat().st_size)
    ratio = np.array(ratios)
    assert len(ratio) == 48
    # CRF gave the fake the larger file in 48 of 48 twins of the small corpus (median +15 %). At one constant bit
    # rate most twins tie to the byte and the rest differ by the rate buffer's end state, in either direction: up
    # to 5 % here, where a clip (12-24 frames) is not much longer than the half-second buffer; 0.5 % on `small`.
    assert np.abs(np.log(ratio)).max() < 0.1, ratio
    assert abs(np.median(ratio) - 1.0) < 0.01, np.median(ratio)
    larger, smaller = int((ratio > 1).sum()), int((ratio < 1).sum())
    assert 0.3 <= larger / (larger + smaller) <= 0.7, (larger, smaller)


def test_the_audit_finds_no_metadata_shortcut_in_the_generated_corpus(corpus: Path) -> None:
    report = _audit(corpus)
    assert report["n"] == 96 and report["rate_setting_found"] == 96
    assert report["metadata_linear"]["auc_roc"] < NULL_BAR and report["metadata_trees"]["auc_roc"] < NULL_BAR
    assert report["metadata_auc"] < NULL_BAR, report


def test_the_audit_flags_fakes_reencoded_at_a_higher_bit_rate(corpus: Path, tmp_path: Path) -> None:
    planted = tmp_path / "planted"
    _copy_manifest(corpus, planted)
    for r in _plan():
        real, fake = f"{r.video_id('real')}.mp4", f"{r.video_id('fake')}.mp4"
        (planted / "videos" / real).write_bytes((corpus / "videos" / real).read_bytes())
        frames = _decode(corpus / "videos" / fake)
        with H264Writer(planted / "videos" / fake, r.width, r.height, r.fps, round(1.25 * r.bitrate_kbps)) as w:
            for rgb in frames:
                w.write(rgb)
    report = _audit(planted)
    assert report["metadata_auc"] > 0.9 and report["warning"] is True, report


def test_the_audit_flags_fakes_that_are_larger_than_their_twins_at_one_rate_setting(
    corpus: Path, tmp_path: Path
) -> None:
    # The shortcut issue 11 found, rebuilt: the same rendered twins encoded as the corpus used to be, at the CRF
    # matching the rendition's bit rate, so the harder fake (its face jitters) is the larger file while both
    # record one rate setting. Sizes vary far more between renditions than between twins; only the twin
    # comparison (size_vs_peers) sees the difference.
    planted = tmp_path / "planted"
    _copy_manifest(corpus, planted)
    for r in _plan():
        real, fake = zip(*frames(r, SEED, DEFAULT_STRENGTH), strict=True)
        for label, clip in (("real", real), ("fake", fake)):
            _write_crf(planted / "videos" / f"{r.video_id(label)}.mp4", list(clip), r.fps, FORMER_CRF[r.bpp])
    report = _audit(planted)
    assert report["metadata_auc"] > 0.9 and report["warning"] is True, report
