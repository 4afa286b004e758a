"""The embedded default corpus: real/fake face-video pairs rendered offline from stills that packages ship.

``generate_corpus(out_dir, seed=0, size="small", strength=DEFAULT_STRENGTH, workers=None)`` writes
``out_dir/videos/<video_id>.mp4`` and ``out_dir/manifest.csv`` (video_id, path, label, group, method, source,
donor: the identity a faceswap fake shows, empty otherwise; the manifest layout ignores the extra column).

What a clip is
    A *group* is one source clip: an identity (astronaut, grace_hopper, camera, or an LFW face pasted into a
    background still) seen by a virtual camera whose smooth pan, zoom, roll, hand-shake and lighting drift
    are functions of time drawn from (seed, group). A group has R *renditions*, each an (aspect ratio,
    longest side, fps, length, bits per pixel) choice; each rendition yields a real clip and a fake twin that
    share every nuisance (camera path, lighting, sensor noise, size, fps, length, bit rate) and differ only in
    the face region. Factors are balanced over the plan, so labels are balanced in every bucket and metadata
    says nothing about the label. Both twins are encoded at one constant bit rate (``encode``), so the file
    size and the rate setting in the stream are the same for both, not a function of the fake's content.

The manipulation (fake twins only; local to the face, temporal)
    method ``faceswap``: another identity's face (astronaut/grace_hopper, or an upscaled LFW crop), its box
    stretched onto the target face box and colour-transferred to the target's face statistics.
    method ``selfblend``: the face's own copy, slightly shifted/rescaled, with its colour statistics moved.
    Then, every frame: the pasted face is misaligned by a random shift/scale/rotation, rendered at reduced
    resolution and upsampled (resampling blur), its gain and offset flicker, and it is blended in through a
    feathered ellipse that follows the misaligned face. The blend is done on the noise-free frame and the real
    twin's sensor noise is added afterwards, so the pasted face is as noisy as the rest of the frame.

Knobs
    ``strength`` in [0, 1] scales all of it (at 0 a fake is identical to its real twin). Constants in
    ``fvc.synth.render``: blend alpha min(1, ALPHA_SLOPE 2 x strength), i.e. opaque from 0.5 up; and, at
    strength 1 and linear in strength: JITTER_PX_MAX 3 px (per-frame shift std, output pixels),
    JITTER_SCALE_MAX 3 %, JITTER_ROT_MAX 1.5 deg, FLICKER_GAIN_MAX 6 % and FLICKER_BIAS_MAX 3 levels
    (per-frame gain/offset std), BLUR_MAX 2 (the face is rendered at 1/(1 + 2 strength) resolution),
    SELF_SHIFT_MAX 4 % and SELF_COLOUR_MAX 18 levels (selfblend's static offset and colour shift). Each
    fake also draws its alpha within +-15 % and its blur within +-25 %.
    DEFAULT_STRENGTH 0.65. At 0.5, measured on ``small``: the frame-to-frame change of the face box's mean
    brightness (relative to the frame's) separates fakes from reals with AUC ~0.98, whole-frame statistics stay
    at AUC <= ~0.58, and a tiny 3D CNN on high-pass + frame-difference inputs learns it in ~3 CPU minutes;
    but the Variable-AR CNN under the demo's budget (8 frames, ~16 epochs, early stopping) learned it on 4 of
    5 folds only (fold 2 stopped at chance, mean AUC 0.73). At 0.65 that fold reached test AUC 0.90.
    At 0.3 the local statistic falls to AUC ~0.70 (and the prototype's CNN stayed at chance on subtler
    data); at 0.8 the whole-frame brightness flicker reaches AUC ~0.74, i.e. the signal starts to be global.

Determinism
    Every random draw comes from a numpy Generator seeded by SeedSequence(seed, CRC32 of a key such as the
    group or rendition id), never global state. Pixels are computed with elementwise float32 arithmetic, the
    YUV conversion in integers, and libx264 runs single-threaded without assembly in a bit-exact MP4 muxer
    (see ``encode``). So (seed, size, strength) gives byte-identical files for a fixed set of package
    versions, whatever ``workers`` is.

Identities (``IDENTITY_POOLS``)
    ``train`` (the default corpus, data/raw): the three high-resolution stills, then LFW rows; groups g00, g01...
    ``held_out`` (the crosseval corpus, data/cross): LFW rows that no ``train`` corpus of any size shows, with
    their own group names x00, x01..., so their scenes and camera paths are new too. Methods, strength, sizes,
    fps, bit rates and aspect ratios are drawn from the same lists: the shift is the people and their scenes.

Sizes (``SIZES``)
    tiny: 5 groups, 20 clips of 12-24 frames (tests). small: 16 groups, 96 clips of 24-120 frames,
    8 identities. medium: 60 groups, 480 clips, 20 identities.
"""

from fvc.synth.corpus import DEFAULT_STRENGTH, MANIFEST_COLUMNS, generate_corpus
from fvc.synth.plan import SIZES, Rendition, build_plan

__all__ = ["DEFAULT_STRENGTH", "MANIFEST_COLUMNS", "SIZES", "Rendition", "build_plan", "generate_corpus"]
