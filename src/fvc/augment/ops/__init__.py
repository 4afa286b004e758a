"""The augmentation ops, one module each; importing this package registers them all (fvc.augment.registry).

Adding an op: a new module here declaring it with ``@register(...)``, and its name in the import below.

Ranges are mild on purpose: the detector must still see the manipulation's traces (blending seams, local
flicker, resampling blur of the face; see fvc.synth), so no augmentation may erase or imitate them. The
upload-path ops (resize_down_up, h264, jpeg) span real upload qualities, strong ends included, and stay out of
the default pool until validation shows they help (docs/decisions.md). Every
spatial parameter is resolution-independent (degrees, fractions of a side, 0..255 intensity units,
multipliers), so a recipe materialises alike at the parent's native size and at the scaled size.

Spatial ops apply in ``order``: ``selfblend`` first (5: pseudo-fakes only; it blends the face where the face
track found it, before any geometry moves it), then geometry as the camera sees the scene (10-40), then the
camera's colour response (50-70), then optics (blur, 80) and sensor (noise, 90), then an occluder drawn on top
(cutout, 100), then what the upload path does to the finished video: a smaller rendition enlarged again
(resize_down_up, 110), an H.264 re-encode (h264, 120) and JPEG frames (jpeg, 130) last, as a detector's frame
dump would be.
"""

from fvc.augment.ops import (  # noqa: F401  (each import registers one op)
    affine,
    brightness,
    contrast,
    cutout,
    elastic,
    frame_drop,
    frame_duplicate,
    gaussian_blur,
    gaussian_noise,
    h264,
    hflip,
    jpeg,
    resize_down_up,
    reverse,
    rotation,
    saturation,
    selfblend,
)
