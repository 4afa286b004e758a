"""Still images that installed packages ship, with the faces in them at hand-found boxes.

Everything here is read from files inside installed wheels (scikit-image, matplotlib): nothing is downloaded.
Images come back as read-only float32 RGB arrays in [0, 255], channel-first (3, H, W), cached per process.
"""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fvc.errors import FvcError

# Face boxes (x0, y0, x1, y1) in source pixels, found once by hand by drawing them over the images: forehead
# to chin, ear to ear (the cameraman is in profile: ear to nose). No face detector runs at generation time.
FACE_BOXES: dict[str, tuple[float, float, float, float]] = {
    "astronaut": (174.0, 76.0, 280.0, 190.0),  # skimage.data.astronaut(), 512x512
    "grace_hopper": (165.0, 140.0, 365.0, 335.0),  # matplotlib sample_data/grace_hopper.jpg, 512x600
    "camera": (184.0, 105.0, 258.0, 198.0),  # skimage.data.camera(), 512x512, grey
}
HIGH_RES_IDENTITIES = ("astronaut", "grace_hopper", "camera")

# Backgrounds for the scenes built around low-resolution LFW faces (none of them shows a person).
BACKGROUNDS = (
    "coffee",
    "rocket",
    "chelsea",
    "hubble_deep_field",
    "immunohistochemistry",
    "brick",
    "grass",
    "gravel",
    "clock",
    "coins",
)

N_LFW_FACES = 100  # lfw_subset(): rows 0..99 are faces, 100..199 are non-faces
# Skin tints for the grey LFW crops (multiplied in), so their scenes are not all grey.
_TINTS = ((1.0, 0.84, 0.72), (0.96, 0.78, 0.64), (0.82, 0.64, 0.52), (1.0, 0.9, 0.82))


@dataclass(frozen=True)
class Face:
    """A face image: ``image`` float32 (3, H, W) in [0, 255] and the face ``box`` (x0, y0, x1, y1) in it."""

    image: np.ndarray
    box: tuple[float, float, float, float]


def _rgb(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    if a.ndim == 2:
        a = np.repeat(a[:, :, None], 3, axis=2)
    a = a[:, :, :3]
    if a.dtype == bool:
        a = a.astype(np.float32) * 255.0
    out = np.ascontiguousarray(a.transpose(2, 0, 1), dtype=np.float32)
    out.setflags(write=False)
    return out


@functools.cache
def load_image(name: str) -> np.ndarray:
    """Load a named still (a ``skimage.data`` function name or ``grace_hopper``) as float32 (3, H, W) RGB.

    Raises FvcError if the image is not available offline in the installed packages.
    """
    if name == "grace_hopper":
        from PIL import Image

        spec = importlib.util.find_spec("matplotlib")
        if spec is None or not spec.submodule_search_locations:
            raise FvcError("synth: matplotlib is not installed; it ships the grace_hopper.jpg sample image")
        path = Path(spec.submodule_search_locations[0]) / "mpl-data" / "sample_data" / "grace_hopper.jpg"
        if not path.is_file():
            raise FvcError(f"synth: sample image missing: {path}")
        with Image.open(path) as im:
            return _rgb(np.asarray(im.convert("RGB")))
    from skimage import data

    loader = getattr(data, name, None)
    if loader is None:
        raise FvcError(f"synth: scikit-image has no sample image {name!r}")
    try:
        return _rgb(loader())
    except Exception as exc:  # e.g. data that would need pooch and a download
        raise FvcError(f"synth: sample image {name!r} is not available offline ({type(exc).__name__})") from exc


@functools.cache
def lfw_faces() -> np.ndarray:
    """The 100 face crops of scikit-image's ``lfw_subset()``: float32 (100, 25, 25) in [0, 255]."""
    from skimage import data

    faces = (data.lfw_subset()[:N_LFW_FACES] * 255.0).astype(np.float32)
    faces.setflags(write=False)
    return faces


def lfw_index(identity: str) -> int:
    """The row of ``lfw_subset()`` behind an identity name such as ``lfw_017``."""
    return int(identity.removeprefix("lfw_"))


def lfw_face_rgb(index: int) -> np.ndarray:
    """LFW crop ``index`` as a tinted float32 (3, 25, 25) RGB image."""
    tint = np.asarray(_TINTS[index % len(_TINTS)], dtype=np.float32)
    return lfw_faces()[index][None, :, :] * tint[:, None, None]


def face(identity: str) -> Face:
    """The face image of a donor identity: a high-resolution still with its box, or a whole LFW crop.

    An LFW crop is tight around the face, so its box is its central part (the border is hair/background).
    """
    if identity in FACE_BOXES:
        return Face(load_image(identity), FACE_BOXES[identity])
    return Face(lfw_face_rgb(lfw_index(identity)), (3.0, 2.0, 22.0, 24.0))
