"""Video augmentation: an augmented copy of a video is a *recipe* applied to its parent, never a stored video.

A recipe (``Recipe``, a tuple of ``Op``) has a temporal part, an index map from the copy's frames to the
parent's (``temporal_index_map``: one of TEMPORAL_OPS at most), and a spatial part, ops with fixed,
resolution-independent parameters applied alike to every frame (``apply_spatial``: SPATIAL_OPS, in that order).
Each op is one module of ``fvc.augment.ops``, declared with ``fvc.augment.registry.register``.

``draw_recipe(seed, video_id, copy_index, ...)`` draws one reproducibly (sha256-derived seed, numpy PCG64), and
``Recipe.to_json``/``from_json`` store it in a table cell. A stage materialises a copy at any resolution with
``materialise(read, recipe, copy_indices, parent_frame_count)``: it decodes each needed parent frame once,
gathers them into copy order and applies the spatial ops; ``augmented_frame_count`` gives the copy's length
for sampling.

Face-needing ops (FACE_OPS: ``selfblend``) make pseudo-fakes: ``draw_pseudo_recipe`` draws their recipes,
``needs_face(recipe)`` says a copy needs its face track, and ``materialise(..., face=...)`` receives it as a
``FaceRegion`` per frame (``fvc.augment.face``). They are never in SPATIAL_OPS, the plain copies' pool.
"""

from fvc.augment import ops  # noqa: F401  (registers every op, before the names below are read)
from fvc.augment.apply import apply_spatial, augmented_frame_count, materialise, temporal_index_map
from fvc.augment.face import FaceRegion, needs_face
from fvc.augment.recipe import Op, Recipe, check_pool, copy_seed, draw_pseudo_recipe, draw_recipe
from fvc.augment.registry import op_names, register

SPATIAL_OPS = op_names("spatial")  # hflip, rotation, affine, elastic, brightness, ..., cutout: application order
TEMPORAL_OPS = op_names("temporal")  # frame_drop, frame_duplicate, reverse
FACE_OPS = op_names(face=True)  # selfblend: pseudo-fakes only, applied before every other spatial op
ALL_OPS = SPATIAL_OPS + TEMPORAL_OPS

__all__ = [
    "ALL_OPS",
    "FACE_OPS",
    "FaceRegion",
    "SPATIAL_OPS",
    "TEMPORAL_OPS",
    "Op",
    "Recipe",
    "apply_spatial",
    "augmented_frame_count",
    "check_pool",
    "copy_seed",
    "draw_pseudo_recipe",
    "draw_recipe",
    "materialise",
    "needs_face",
    "op_names",
    "register",
    "temporal_index_map",
]
