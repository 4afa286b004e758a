"""The op registry: one declaration per op gives its kind, order, ranges, draw and application."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fvc.augment import ALL_OPS, SPATIAL_OPS, TEMPORAL_OPS, Recipe, apply_spatial, draw_recipe, registry
from tests.augment.helpers import SPATIAL_EXAMPLES, random_clip


def test_spatial_ops_are_registered_in_their_application_order() -> None:
    assert SPATIAL_OPS == (
        "hflip",
        "rotation",
        "affine",
        "elastic",
        "brightness",
        "contrast",
        "saturation",
        "gaussian_blur",
        "gaussian_noise",
        "cutout",
        "resize_down_up",
        "h264",
        "jpeg",
    )
    assert TEMPORAL_OPS == ("frame_drop", "frame_duplicate", "reverse")
    assert ALL_OPS == SPATIAL_OPS + TEMPORAL_OPS == registry.op_names()


def test_every_op_is_declared_with_its_kind_and_every_spatial_op_has_an_example() -> None:
    assert {name: registry.op_spec(name).kind for name in ALL_OPS} == {
        **dict.fromkeys(SPATIAL_OPS, "spatial"),
        **dict.fromkeys(TEMPORAL_OPS, "temporal"),
    }
    assert set(SPATIAL_EXAMPLES) == set(SPATIAL_OPS)
    for name, params in SPATIAL_EXAMPLES.items():
        assert sorted(params) == sorted(registry.op_spec(name).ranges)


@pytest.mark.parametrize("name", ALL_OPS)
def test_every_op_draws_exactly_its_declared_parameters_within_their_ranges(name: str) -> None:
    spec = registry.op_spec(name)
    for seed in range(50):
        params = spec.draw(np.random.default_rng(seed))
        assert sorted(params) == sorted(spec.ranges)
        for key, (low, high) in spec.ranges.items():
            assert low <= params[key] <= high, (key, params[key])


def test_unknown_kind_taken_name_and_taken_order_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_OPS", dict(registry._OPS))

    def apply(video: torch.Tensor, params: dict, ids: np.ndarray) -> torch.Tensor:
        return video

    with pytest.raises(ValueError, match="kind 'colour'"):
        registry.register("sharpen", kind="colour", order=1, ranges={}, draw=registry.no_params)
    with pytest.raises(ValueError, match="'hflip' is already registered"):
        registry.register("hflip", kind="spatial", order=1, ranges={}, draw=registry.no_params)(apply)
    with pytest.raises(ValueError, match="spatial order 10 is already taken by 'hflip'"):
        registry.register("sharpen", kind="spatial", order=10, ranges={}, draw=registry.no_params)(apply)


def test_a_newly_registered_op_is_drawn_validated_and_applied(monkeypatch: pytest.MonkeyPatch) -> None:
    # What adding an op takes: one declaration; the pool, recipes and apply_spatial find it by name.
    monkeypatch.setattr(registry, "_OPS", dict(registry._OPS))

    def draw(rng: np.random.Generator) -> dict:
        return {"amount": registry.uniform(rng, (0.1, 0.2))}

    @registry.register("invert", kind="spatial", order=55, ranges={"amount": (0.1, 0.2)}, draw=draw)
    def invert(video: torch.Tensor, params: dict, ids: np.ndarray) -> torch.Tensor:
        return 1.0 - video

    recipe = draw_recipe(0, "v", 0, spatial_ops=2, temporal_prob=0.0, ops=("hflip", "invert"))
    assert [op.name for op in recipe.ops] == ["hflip", "invert"]
    assert Recipe.from_json(recipe.to_json()) == recipe
    clip = random_clip(2, 4, 6)
    assert np.array_equal(apply_spatial(clip, recipe), 255 - clip[:, :, ::-1])
