"""Recipes: reproducible drawing, validation and their JSON form."""

from __future__ import annotations

import hashlib
import json

import pytest

from fvc.augment import SPATIAL_OPS, TEMPORAL_OPS, Op, Recipe, copy_seed, draw_recipe
from fvc.errors import FvcError


def draw(copy_index: int = 0, **kwargs) -> Recipe:
    options = {"spatial_ops": 3, "temporal_prob": 0.5} | kwargs
    return draw_recipe(42, "g0_fake_r1", copy_index, **options)


def test_copy_seed_is_the_sha256_of_seed_video_and_copy() -> None:
    expected = int.from_bytes(hashlib.sha256(b"42:vid:3").digest()[:8], "big")
    assert copy_seed(42, "vid", 3) == expected
    assert (
        len({copy_seed(42, "vid", 3), copy_seed(42, "vid", 4), copy_seed(43, "vid", 3), copy_seed(42, "vie", 3)}) == 4
    )


def test_same_seed_video_and_copy_give_the_same_recipe_json() -> None:
    assert draw(copy_index=1).to_json() == draw(copy_index=1).to_json()


def test_different_copies_get_different_recipes() -> None:
    assert len({draw(copy_index=i).to_json() for i in range(5)}) == 5


def test_recipe_has_the_requested_number_of_spatial_ops_in_pool_order() -> None:
    for copy_index in range(20):
        names = [op.name for op in draw(copy_index, spatial_ops=4).spatial_ops]
        assert len(names) == 4 and len(set(names)) == 4
        assert names == sorted(names, key=SPATIAL_OPS.index)


def test_all_ops_of_the_pool_can_be_drawn_at_once() -> None:
    assert [op.name for op in draw(spatial_ops=len(SPATIAL_OPS)).spatial_ops] == list(SPATIAL_OPS)


NO_ELASTIC = tuple(op for op in SPATIAL_OPS if op != "elastic")


def test_only_ops_of_the_pool_are_drawn() -> None:
    names = [op.name for op in draw(spatial_ops=len(SPATIAL_OPS) - 1, ops=NO_ELASTIC).spatial_ops]
    assert "elastic" not in names and len(names) == len(SPATIAL_OPS) - 1
    for copy_index in range(20):  # a pool without temporal ops never gets one
        assert draw(copy_index, spatial_ops=1, temporal_prob=1.0, ops=("hflip", "cutout")).temporal_op is None
        assert (
            draw(copy_index, spatial_ops=1, temporal_prob=1.0, ops=("hflip", "reverse")).temporal_op.name == "reverse"
        )


def test_an_unknown_op_in_the_pool_is_named_with_the_param_and_the_known_ops() -> None:
    with pytest.raises(FvcError, match="augment.ops has unknown op.*sharpen; known: hflip, rotation, .*, reverse$"):
        draw(ops=("hflip", "sharpen"))


# Golden recipes: reordering draws, ops or parameters would silently change every copy of every video.
GOLDEN_FULL_POOL = (
    '{"ops":[{"name":"frame_duplicate","params":{"fraction":0.14546,"seed":1126342888}},{"name":"hflip","params":{}},'
    '{"name":"rotation","params":{"angle_deg":-4.616828}},{"name":"affine","params":{"scale":0.992978,'
    '"shear_deg":-3.664661,"translate_x":-0.042773,"translate_y":0.008054}},{"name":"elastic","params":'
    '{"alpha":0.011191,"grid":8,"seed":4061798348}},{"name":"brightness","params":{"factor":0.889225}},'
    '{"name":"contrast","params":{"factor":0.957919}},{"name":"saturation","params":{"factor":1.050538}},'
    '{"name":"gaussian_blur","params":{"sigma":0.005026}},{"name":"gaussian_noise","params":{"seed":1368691740,'
    '"std":3.824519}},{"name":"cutout","params":{"height":0.059862,"left":0.48887,"top":0.320489,"width":0.096198}}]}'
)
GOLDEN_DEFAULT_POOL = (
    '{"ops":[{"name":"frame_duplicate","params":{"fraction":0.083525,"seed":1377149824}},'
    '{"name":"contrast","params":{"factor":1.14499}},{"name":"saturation","params":{"factor":1.153196}}]}'
)
DEFAULT_POOL = ("hflip", "brightness", "contrast", "saturation", "cutout", "reverse", "frame_drop", "frame_duplicate")
# Every op registered when the golden was drawn: ops added later must not change what this pool draws.
FULL_POOL_2026_11 = (
    *("hflip", "rotation", "affine", "elastic", "brightness", "contrast", "saturation", "gaussian_blur"),
    *("gaussian_noise", "cutout", "frame_drop", "frame_duplicate", "reverse"),
)


def test_a_recipe_drawn_today_equals_the_one_drawn_when_the_ops_were_fixed() -> None:
    assert draw(0, spatial_ops=10, temporal_prob=1.0, ops=FULL_POOL_2026_11).to_json() == GOLDEN_FULL_POOL
    assert draw(1, spatial_ops=2, temporal_prob=0.5, ops=DEFAULT_POOL).to_json() == GOLDEN_DEFAULT_POOL


def test_temporal_prob_zero_never_and_one_always_draws_one_temporal_op() -> None:
    for copy_index in range(20):
        assert draw(copy_index, temporal_prob=0.0).temporal_op is None
        assert draw(copy_index, temporal_prob=1.0).temporal_op.name in TEMPORAL_OPS


def test_drawn_parameters_lie_in_their_documented_ranges() -> None:
    for copy_index in range(30):
        for op in draw(copy_index, spatial_ops=len(SPATIAL_OPS), temporal_prob=1.0).ops:
            p = op.params
            match op.name:
                case "rotation":
                    assert -10 <= p["angle_deg"] <= 10
                case "brightness" | "contrast" | "saturation":
                    assert 0.8 <= p["factor"] <= 1.2
                case "gaussian_noise":
                    assert 1 <= p["std"] <= 5
                case "affine":
                    assert max(abs(p["translate_x"]), abs(p["translate_y"])) <= 0.05 and 0.9 <= p["scale"] <= 1.1
                case "cutout":
                    assert 0.05 <= p["height"] <= 0.2 and 0.05 <= p["width"] <= 0.2
                    assert p["top"] + p["height"] <= 1 and p["left"] + p["width"] <= 1
                case "frame_drop" | "frame_duplicate":
                    assert 0.05 <= p["fraction"] <= 0.15


def test_json_round_trip_gives_an_equal_recipe() -> None:
    recipe = draw(spatial_ops=len(SPATIAL_OPS), temporal_prob=1.0)
    assert Recipe.from_json(recipe.to_json()) == recipe


def test_json_is_compact_with_sorted_keys() -> None:
    text = Recipe(
        ops=(Op("affine", {"translate_y": 0.01, "translate_x": 0.0, "shear_deg": 1.0, "scale": 1.0}),)
    ).to_json()
    assert " " not in text
    assert text == json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    assert text.index("scale") < text.index("shear_deg") < text.index("translate_x")


def test_empty_recipe_round_trips() -> None:
    assert Recipe.from_json(Recipe(ops=()).to_json()) == Recipe(ops=())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not a recipe JSON"),
        ('{"ops": [{"name": "rotation"}]}', "not a recipe JSON"),
        ('{"ops": [{"name": "sharpen", "params": {}}]}', "unknown op 'sharpen'"),
        ('{"ops": [{"name": "rotation", "params": {"angle": 3}}]}', "expected \\['angle_deg'\\]"),
        ('{"ops": [{"name": "reverse", "params": {}}, {"name": "reverse", "params": {}}]}', "at most one"),
    ],
)
def test_bad_recipe_json_raises_a_one_line_error(text: str, message: str) -> None:
    with pytest.raises(FvcError, match=message):
        Recipe.from_json(text)


def test_out_of_range_draw_parameters_name_the_parameter() -> None:
    n = len(SPATIAL_OPS)
    with pytest.raises(FvcError, match=f"spatial_ops={n + 1}"):
        draw(spatial_ops=n + 1)
    with pytest.raises(FvcError, match=f"spatial_ops={n}"):
        draw(spatial_ops=n, ops=NO_ELASTIC)
    with pytest.raises(FvcError, match="temporal_prob=1.5"):
        draw(temporal_prob=1.5)
