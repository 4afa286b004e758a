"""Activation counts on the meta device: the origin's 5e against variable_ar_cnn."""

from __future__ import annotations

import torch
from torch import nn

from fvc.models import build_model
from fvc.models.memory import activation_elements, build_origin_5e_spec

CLIP_500 = (1, 3, 500, 256, 256)


def test_counts_the_output_of_every_leaf_module() -> None:
    model = nn.Sequential(nn.Conv3d(3, 4, 3, padding=1), nn.ReLU())
    assert activation_elements(model, (2, 3, 5, 6, 7)) == 2 * (4 * 5 * 6 * 7) * 2


def test_counting_leaves_the_model_where_it_was() -> None:
    model = build_model("variable_ar_cnn", stem_width=4, widths=[8])
    activation_elements(model, (1, 3, 4, 32, 32))
    assert all(p.device.type == "cpu" for p in model.parameters())


def test_origin_5e_needs_at_least_ten_times_the_activations_at_500_frames() -> None:
    ours = activation_elements(build_model("variable_ar_cnn"), CLIP_500)
    origin = activation_elements(build_origin_5e_spec(), CLIP_500)
    assert origin >= 10 * ours
    assert origin * 4 > 40e9  # float32 bytes: the origin's order of magnitude (~48 GB reported)


def test_origin_5e_is_registered_and_runs_on_a_tiny_clip() -> None:
    with torch.no_grad():
        assert build_model("origin_5e").eval()(torch.rand(1, 3, 2, 8, 8)).shape == (1,)
