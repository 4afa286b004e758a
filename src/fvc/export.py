"""Export a trained Variable-AR CNN as one self-contained ``torch.export`` program (a ``.pt2`` file).

The file holds the eval-mode graph and its weights; it needs torch, not fvc: ``torch.export.load(path).module()``
maps x (N, 3, T, H, W) float32 in [0, 1] to logits (N,) (``torch.sigmoid`` gives p_fake). What is exported is
the unmasked call ``model(x)``: one batch of clips of one size, without padding (a mixed-size batch is scored
clip by clip, or by size bucket). N, T, H and W are dynamic down to the model's minimums (T >= 2, H, W >= 32),
like the eager model; the ``scale`` stage makes H and W multiples of 32. One corner is refused at run time by a
guard torch adds while tracing convolutions: a clip whose deepest feature map is a single voxel (T <= 4 and
H, W <= 32); the pipeline's clips are larger.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import torch
import torch.fx.experimental._config as fx_config
from torch.export import Dim

import fvc
from fvc.atomic import atomic_path
from fvc.checkpoint import read_checkpoint
from fvc.errors import FvcError
from fvc.models import build_model, model_kind
from fvc.models.variable_ar_cnn import MIN_HW, MIN_T

EXPORTABLE = ("variable_ar_cnn",)  # models whose forward has no size-dependent branches on the unmasked path
METADATA = "fvc.json"  # extra file in the archive: what the program expects (read with torch.export.load)


def export_model(checkpoint_path: str | os.PathLike, out: str | os.PathLike, *, snippet: int | None = None) -> Path:
    """Rebuild the eval-mode model from ``checkpoint_path`` and save its ``torch.export`` program to ``out``.

    ``snippet``: the clips' frames per snippet, used only if the checkpoint records none (``params.scale``);
    with neither, 1 is assumed and a note printed. The write is atomic. Returns ``out``.
    Errors: FvcError for a missing or refused checkpoint, a feature baseline or other non-exportable model,
    a snippet that contradicts the checkpoint's, weights that do not fit, or ``out`` not a ``.pt2`` file
    in an existing folder.
    """
    checkpoint_path, out = Path(checkpoint_path), Path(out)
    if out.suffix != ".pt2":
        raise FvcError(f"{out}: the exported program is a .pt2 file; name it e.g. {out.with_suffix('.pt2').name}")
    if not out.parent.is_dir():
        raise FvcError(f"{out}: folder {out.parent} does not exist; create it first")
    state = read_checkpoint(checkpoint_path)
    params = state.get("params") if isinstance(state, dict) else None
    if not isinstance(params, dict) or not isinstance(params.get("train"), dict) or "state_dict" not in state:
        raise FvcError(f"{checkpoint_path}: not a training checkpoint (no state_dict and params.train)")
    name = params["train"].get("model")
    if model_kind(str(name)) != "clip":
        raise FvcError(f"{checkpoint_path}: model {name} is a feature baseline; only clip models can be exported")
    if name not in EXPORTABLE:
        raise FvcError(f"{checkpoint_path}: model {name} cannot be exported; supported: {', '.join(EXPORTABLE)}")
    snippet = _snippet(checkpoint_path, params, snippet)

    model = build_model(
        name, dropout=params["train"].get("dropout", 0.0), snippet=snippet, **(params.get("model_options") or {})
    )
    try:
        model.load_state_dict(state["state_dict"], strict=True)
    except RuntimeError as err:
        raise FvcError(
            f"{checkpoint_path}: weights do not fit model {name}: {str(err).splitlines()[0][:300]}"
        ) from None
    model.eval()

    stride = model.total_stride()
    example = torch.rand(2, 3, 2 * MIN_T * model.config.stride[0], 2 * stride, 3 * stride)  # no axis of size 1
    dims = {0: Dim("N", min=1), 2: Dim("T", min=MIN_T), 3: Dim("H", min=MIN_HW), 4: Dim("W", min=MIN_HW)}
    # Size-oblivious tracing: the deepest map of a short or small clip has axes of size 1 (T = 4 → one deepest
    # frame), and torch would otherwise specialise on "size != 1". The graph has no branch on sizes, so the
    # traced program is the same for every size; tests compare it with the eager model across sizes.
    with fx_config.patch(backed_size_oblivious=True), torch.no_grad():
        program = torch.export.export(model, (example,), dynamic_shapes={"x": dims})

    metadata = {
        "model": name,
        "snippet": snippet,
        "stride": stride,
        "min_t": MIN_T,
        "min_hw": MIN_HW,
        "input": "x (N, 3, T, H, W) float32 in [0, 1], one size per batch, no padding",
        "output": "logits (N,); sigmoid gives p_fake",
        # How clips were made for training (frames, size, face crop): fvc.clips.clip_of with these prepares input.
        "scale": params.get("scale"),
        "checkpoint": str(checkpoint_path),
        "fvc_version": fvc.__version__,
    }
    with atomic_path(out) as tmp, open(tmp, "wb") as fh:
        torch.export.save(program, fh, extra_files={METADATA: json.dumps(metadata, indent=2)})
    return out


def _snippet(checkpoint_path: Path, params: dict, snippet: int | None) -> int:
    """The checkpoint's ``scale.snippet``, else ``snippet``, else 1 (with a note); FvcError on a contradiction."""
    recorded = (params.get("scale") or {}).get("snippet")
    if recorded is not None and snippet is not None and int(recorded) != snippet:
        raise FvcError(f"{checkpoint_path}: trained with scale.snippet = {recorded}, but snippet {snippet} was given")
    chosen = recorded if recorded is not None else snippet
    if chosen is None:
        print(
            f"fvc export: {checkpoint_path} does not record scale.snippet; assuming 1 "
            "(pass --snippet with the value the model was trained with)",
            file=sys.stderr,
        )
        chosen = 1
    if not isinstance(chosen, int) or isinstance(chosen, bool) or chosen < 1:
        raise FvcError(f"{checkpoint_path}: snippet = {chosen!r}, expected an integer >= 1")
    return chosen
