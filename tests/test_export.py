"""fvc export: a checkpoint becomes one torch.export program that reproduces the eager model at any clip size."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from fvc.checkpoint import save_checkpoint
from fvc.cli import main
from fvc.errors import FvcError
from fvc.export import METADATA, export_model
from fvc.models import build_model

OPTIONS = {"stem_width": 4, "widths": [8, 8, 8]}


def tiny_model() -> torch.nn.Module:
    """The tiny model with non-trivial BatchNorm statistics, so eval mode is not the identity affine map."""
    torch.manual_seed(0)
    model = build_model("variable_ar_cnn", dropout=0.5, snippet=2, **OPTIONS)
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm3d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
            module.bias.data.uniform_(-0.5, 0.5)
    return model.eval()


def write_checkpoint(path: Path, *, scale: dict | None = None, model: str = "variable_ar_cnn") -> Path:
    params = {"train": {"model": model, "dropout": 0.5}, "model_options": OPTIONS}
    if scale is not None:
        params["scale"] = scale
    return save_checkpoint(path, state_dict=tiny_model().state_dict(), params=params)


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> torch.nn.Module:
    """The tiny checkpoint exported once for the module and loaded back (export takes a few seconds)."""
    root = tmp_path_factory.mktemp("export")
    out = export_model(write_checkpoint(root / "best.pt", scale={"snippet": 2}), root / "model.pt2")
    return torch.export.load(out).module()


@pytest.mark.parametrize(
    "shape", [(2, 3, 4, 64, 96), (1, 3, 6, 96, 32), (3, 3, 8, 32, 64), (1, 3, 2, 64, 32), (1, 3, 5, 50, 70)]
)
def test_exported_program_reproduces_eager_logits_at_each_size(program: torch.nn.Module, shape: tuple) -> None:
    x = torch.rand(*shape, generator=torch.Generator().manual_seed(sum(shape)))
    with torch.no_grad():
        expected, got = tiny_model()(x), program(x)
    assert got.shape == (shape[0],)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=0)


def test_exported_program_uses_the_checkpoint_snippet(program: torch.nn.Module) -> None:
    # Snippet 2 zeroes the frame difference at frames 2, 4, ...; a snippet-1 model would not.
    x = torch.rand(1, 3, 6, 64, 64, generator=torch.Generator().manual_seed(1))
    snippet_1 = build_model("variable_ar_cnn", dropout=0.5, snippet=1, **OPTIONS).eval()
    snippet_1.load_state_dict(tiny_model().state_dict())
    with torch.no_grad():
        assert not torch.allclose(program(x), snippet_1(x), atol=1e-5)


def test_exported_program_refuses_a_frame_below_the_minimum_size(program: torch.nn.Module) -> None:
    with pytest.raises(Exception, match="Guard failed"):
        program(torch.rand(1, 3, 4, 16, 64))


def test_exported_program_refuses_a_clip_whose_deepest_map_is_one_voxel(program: torch.nn.Module) -> None:
    # The documented corner: torch guards convolutions on it; the pipeline's clips are larger.
    with pytest.raises(AssertionError, match="Guard failed"):
        program(torch.rand(1, 3, 2, 32, 32))


def test_archive_records_what_the_program_expects(tmp_path: Path) -> None:
    out = export_model(write_checkpoint(tmp_path / "best.pt", scale={"snippet": 2}), tmp_path / "m.pt2")
    extra = {METADATA: ""}
    torch.export.load(out, extra_files=extra)
    meta = json.loads(extra[METADATA])
    assert (meta["model"], meta["snippet"], meta["stride"], meta["min_t"]) == ("variable_ar_cnn", 2, 32, 2)
    assert meta["scale"] == {"snippet": 2}  # the preprocessing (face crop included) the model was trained with
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left behind


def test_snippet_falls_back_to_the_option_then_to_one_with_a_note(tmp_path: Path, capsys) -> None:
    checkpoint = write_checkpoint(tmp_path / "best.pt")
    export_model(checkpoint, tmp_path / "a.pt2", snippet=2)
    assert "scale.snippet" not in capsys.readouterr().err
    export_model(checkpoint, tmp_path / "b.pt2")
    assert "assuming 1" in capsys.readouterr().err


def test_a_snippet_contradicting_the_checkpoint_is_refused(tmp_path: Path) -> None:
    checkpoint = write_checkpoint(tmp_path / "best.pt", scale={"snippet": 2})
    with pytest.raises(FvcError, match="scale.snippet = 2"):
        export_model(checkpoint, tmp_path / "m.pt2", snippet=4)


def test_missing_checkpoint_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(FvcError, match="checkpoint not found"):
        export_model(tmp_path / "best.pt", tmp_path / "m.pt2")


def test_feature_baseline_checkpoint_is_refused(tmp_path: Path) -> None:
    checkpoint = write_checkpoint(tmp_path / "best.pt", model="logreg")
    with pytest.raises(FvcError, match="feature baseline"):
        export_model(checkpoint, tmp_path / "m.pt2")


def test_out_in_a_missing_folder_is_refused(tmp_path: Path) -> None:
    checkpoint = write_checkpoint(tmp_path / "best.pt", scale={"snippet": 2})
    with pytest.raises(FvcError, match="does not exist"):
        export_model(checkpoint, tmp_path / "nowhere" / "m.pt2")
    assert not (tmp_path / "nowhere").exists()


def test_cli_exports_a_fold(tmp_path: Path, capsys) -> None:
    write_checkpoint(tmp_path / "models" / "fold_1" / "best.pt", scale={"snippet": 2})
    main(["export", "--models", str(tmp_path / "models"), "--fold", "1", "--out", str(tmp_path / "m.pt2")])
    assert (tmp_path / "m.pt2").is_file()
    assert "fvc export:" in capsys.readouterr().out


def test_cli_names_a_feature_baseline_fold(tmp_path: Path, capsys) -> None:
    (tmp_path / "models" / "fold_0").mkdir(parents=True)
    (tmp_path / "models" / "fold_0" / "baseline.json").write_text("{}")
    with pytest.raises(SystemExit) as exited:
        main(["export", "--models", str(tmp_path / "models"), "--out", str(tmp_path / "m.pt2")])
    assert exited.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "feature baseline" in err and "\n" not in err
