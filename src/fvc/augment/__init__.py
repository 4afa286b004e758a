"""Video augmentation: an augmented copy of a video is a *recipe* applied to its parent, never a stored video.

A recipe (``Recipe``, a tuple of ``Op``) has a temporal part, an index map from the copy's frames to the
parent's (``temporal_index_map``: frame_drop, frame_duplicate or reverse, at most one), and a spatial part,
ops with fixed, resolution-independent parameters applied alike to every frame (``apply_spatial``: hflip,
rotation, affine, elastic, brightness, contrast, saturation, gaussian_blur, gaussian_noise, cutout).

``draw_recipe(seed, video_id, copy_index, ...)`` draws one reproducibly (sha256-derived seed, numpy PCG64), and
``Recipe.to_json``/``from_json`` store it in a table cell. A stage materialises a copy at any resolution with
``materialise(read, recipe, copy_indices, parent_frame_count)``: it decodes each needed parent frame once,
gathers them into copy order and applies the spatial ops; ``augmented_frame_count`` gives the copy's length
for sampling.
"""

from fvc.augment.ops import apply_spatial, augmented_frame_count, materialise, temporal_index_map
from fvc.augment.recipe import SPATIAL_OPS, TEMPORAL_OPS, Op, Recipe, copy_seed, draw_recipe

ALL_OPS = SPATIAL_OPS + TEMPORAL_OPS

__all__ = [
    "ALL_OPS",
    "SPATIAL_OPS",
    "TEMPORAL_OPS",
    "Op",
    "Recipe",
    "apply_spatial",
    "augmented_frame_count",
    "copy_seed",
    "draw_recipe",
    "materialise",
    "temporal_index_map",
]
