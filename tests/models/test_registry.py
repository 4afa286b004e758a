"""The model registry and user checkpoints: names from params.yaml, weights-only loading."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import torch

from fvc.errors import FvcError
from fvc.models import build_model, list_models
from tests.train.helpers import train_section

TINY = {"stem_width": 4, "widths": [8, 8]}


class _Payload:
    """Pickles to ``open(marker, "w")``: a full unpickler creates the marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


def test_every_model_of_the_design_is_registered() -> None:
    assert {"variable_ar_cnn", "r3d_18", "mc3_18", "r2plus1d_18", "origin_5e"} <= set(list_models())


def test_an_unknown_name_names_the_param_and_the_known_models() -> None:
    with pytest.raises(FvcError, match=r"train\.model = 'resnet50'.*variable_ar_cnn") as err:
        build_model("resnet50")
    assert "\n" not in str(err.value)


def test_a_checkpoint_round_trips(tmp_path: Path) -> None:
    model = build_model("variable_ar_cnn", **TINY)
    path = tmp_path / "model.pt"
    torch.save({"state_dict": model.state_dict()}, path)
    loaded = build_model("variable_ar_cnn", checkpoint=str(path), **TINY)
    for (name, a), b in zip(model.state_dict().items(), loaded.state_dict().values(), strict=True):
        assert torch.equal(a, b), name


def test_a_checkpoint_carrying_pickled_code_is_refused_and_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "payload-ran"
    path = tmp_path / "evil.pt"
    torch.save({"weight": torch.zeros(1), "x": _Payload(marker)}, path)
    with pytest.raises(FvcError, match=r"evil\.pt: refused to load checkpoint"):
        build_model("variable_ar_cnn", checkpoint=path, **TINY)
    assert not marker.exists()
    torch.load(path, weights_only=False)  # control: the payload is live, a full unpickler runs it
    assert marker.exists()


def test_a_plain_pickle_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plain.pkl"
    path.write_bytes(pickle.dumps(_Payload(tmp_path / "ran"), protocol=2))
    with pytest.raises(FvcError, match="refused to load checkpoint"):
        build_model("variable_ar_cnn", checkpoint=path, **TINY)
    assert not (tmp_path / "ran").exists()


def test_a_checkpoint_of_another_model_does_not_fit(tmp_path: Path) -> None:
    path = tmp_path / "other.pt"
    torch.save(build_model("variable_ar_cnn", stem_width=4, widths=[8, 16]).state_dict(), path)
    with pytest.raises(FvcError, match=r"other\.pt: checkpoint does not fit model variable_ar_cnn"):
        build_model("variable_ar_cnn", checkpoint=path, **TINY)


def test_a_missing_checkpoint_is_named(tmp_path: Path) -> None:
    with pytest.raises(FvcError, match=r"nope\.pt: checkpoint not found"):
        build_model("variable_ar_cnn", checkpoint=tmp_path / "nope.pt", **TINY)


def test_the_origins_5e_is_refused_for_training_with_its_reason() -> None:
    from fvc.train import TrainParams

    with pytest.raises(FvcError, match=r"train\.model = 'origin_5e' cannot be trained: .*memory benchmark"):
        TrainParams.from_params({"train": train_section(model="origin_5e")})
    assert build_model("origin_5e", dropout=0.5, snippet=4, widths=[4]).head.out_features == 1  # still builds


def test_a_clip_builder_that_cannot_take_dropout_and_snippet_is_refused_at_registration() -> None:
    from fvc.models import register

    with pytest.raises(ValueError, match="clip model builder 'narrow' must accept dropout, snippet"):
        register("narrow")(lambda width=1: None)


def test_a_feature_builder_must_build_a_pipeline_with_prune_and_classify(monkeypatch: pytest.MonkeyPatch) -> None:
    from sklearn.linear_model import LogisticRegression

    from fvc.models import build_feature_model, register, registry

    for table in ("_BUILDERS", "_KINDS"):  # this test's model stays out of the real registry
        monkeypatch.setattr(registry, table, dict(getattr(registry, table)))

    register("bare_logreg", kind="features")(lambda seed=0: LogisticRegression(random_state=seed))
    with pytest.raises(TypeError, match=r"must build a Pipeline with steps \('prune', 'classify'\)"):
        build_feature_model("bare_logreg")
