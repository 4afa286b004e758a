"""A fold on 2 torchrun processes (gloo, CPU) takes the optimiser steps 1 process takes over the same micro-batches,
and a crashed 2-process run resumes from last.pt to the outputs of an uninterrupted one.

What is compared: the trained parameters (weights and BatchNorm's affine terms). Not compared: BatchNorm's running
statistics. Each micro-batch is normalised by its own statistics in both cases (one process runs the micro-batches
of a step one after another; two run them side by side), so gradients agree; but DDP overwrites every rank's running
statistics with rank 0's at each forward, so after a step they hold rank 0's micro-batches only. SyncBatchNorm,
which would pool them, does not run on CPU.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import polars as pl
import pytest
import torch

from fvc.checkpoint import read_checkpoint
from fvc.folds import fold_rows
from fvc.train import TrainParams
from fvc.train.distributed import launch
from tests.train.helpers import train_section, write_patch_clips

pytestmark = pytest.mark.slow

MODEL = {"stem_width": 4, "widths": [8, 8, 8], "forensic_inputs": True}
# dropout off: each rank draws its own dropout masks, one process draws others for the same clips.
TRAIN = train_section(epochs=1, warmup_epochs=0, dropout=0.0, batch_size=2, effective_batch_size=4, val_fraction=0.2)

SCRIPT = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    import polars as pl
    from fvc.train import ClipModelTraining, TrainParams, distributed, run_fold

    work, data, crash_at, train = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), eval(sys.argv[4])
    device = distributed.init() if distributed.under_torchrun() else None

    def crash(epoch):  # rank 0 dies after logging epoch `crash_at`, before saving it
        if epoch == crash_at and distributed.world().is_main:
            os._exit(3)

    run_fold(
        0,
        ClipModelTraining(data / "clips", device=device, after_epoch_logged=crash),
        params=TrainParams(**train),
        model_options=MODEL,
        seed=42,
        table=pl.read_parquet(data / "clips.parquet"),
        folds=pl.read_parquet(data / "folds.parquet"),
        live_dir=work / "live",
        model_dir=work / "model",
    )
    distributed.finish()
    """
).replace("MODEL", repr(MODEL))


@pytest.fixture(scope="module")
def clip_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 random 4x32x32 clips in 20 groups, fakes with a brighter patch; 2 folds."""
    return write_patch_clips(tmp_path_factory.mktemp("clips"), groups=20)


def _run(work: Path, data: Path, train: dict, nproc: int = 1, crash_at: int = -1) -> int:
    """Train fold 0 on ``nproc`` processes (torchrun when > 1), each on one thread; the exit status.

    One thread each, because the thread count changes CPU kernels' summation order, and Adam turns such float
    differences in near-zero gradients into whole steps: one process on 1 vs 2 threads differed by up to 1e-2.
    """
    script = work.parent / f"{work.name}.py"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(SCRIPT)
    argv = [str(script), str(work), str(data), str(crash_at), repr(train)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    if nproc == 1:
        return subprocess.run([sys.executable, *argv], env=env, capture_output=True, text=True).returncode
    return launch(nproc, argv, env=env)


def _parameters(path: Path) -> dict[str, torch.Tensor]:
    state = read_checkpoint(path)["state_dict"]
    return {k: v for k, v in state.items() if "running_" not in k and "num_batches_tracked" not in k}


def test_two_ranks_take_the_steps_of_one_process_accumulating_the_same_micro_batches(
    tmp_path: Path, clip_data: Path
) -> None:
    _, parts = fold_rows(
        pl.read_parquet(clip_data / "clips.parquet"), pl.read_parquet(clip_data / "folds.parquet"), 0,
        val_fraction=TRAIN["val_fraction"], seed=42,
    )  # fmt: skip
    micro_batches = -(-parts["train"].height // TRAIN["batch_size"])
    assert micro_batches % 2 == 0 and micro_batches >= 6, "the data must split into equal rank shares"

    assert _run(tmp_path / "one", clip_data, TRAIN) == 0
    assert _run(tmp_path / "two", clip_data, {**TRAIN, "nproc_per_node": 2}, nproc=2) == 0
    one, two = _parameters(tmp_path / "one/model/best.pt"), _parameters(tmp_path / "two/model/best.pt")
    start = _parameters_at_init(tmp_path, clip_data)
    assert one.keys() == two.keys()
    for name in one:
        assert not torch.equal(one[name], start[name]) or "bias" in name, f"{name} did not train"
        torch.testing.assert_close(two[name], one[name], rtol=1e-5, atol=1e-6, msg=name)
    predictions = pl.read_parquet(tmp_path / "two/live/predictions.parquet")  # rank 0 wrote the fold's outputs
    assert predictions.height == len(parts["test"]) and (tmp_path / "two/live/status.json").exists()


def _parameters_at_init(tmp_path: Path, clip_data: Path) -> dict[str, torch.Tensor]:
    """The parameters before any step: a run whose learning rate is 0."""
    assert _run(tmp_path / "init", clip_data, {**TRAIN, "lr": 0.0}) == 0
    return _parameters(tmp_path / "init/model/best.pt")


def test_a_crashed_two_rank_run_resumes_to_the_uninterrupted_outputs(tmp_path: Path, clip_data: Path) -> None:
    train = {**TRAIN, "epochs": 3, "nproc_per_node": 2, "patience": 10}
    TrainParams(**train)
    assert _run(tmp_path / "whole", clip_data, train, nproc=2) == 0
    assert _run(tmp_path / "crashed", clip_data, train, nproc=2, crash_at=1) != 0
    assert read_checkpoint(tmp_path / "crashed/model/last.pt")["epoch"] == 0
    assert _run(tmp_path / "crashed", clip_data, train, nproc=2) == 0
    assert not (tmp_path / "crashed/model/last.pt").exists()
    whole, resumed = (pl.read_parquet(tmp_path / f"{w}/live/predictions.parquet") for w in ("whole", "crashed"))
    assert resumed.equals(whole)
    assert (tmp_path / "crashed/model/best.pt").read_bytes() == (tmp_path / "whole/model/best.pt").read_bytes()
    val_f1 = (tmp_path / "crashed/live/plots/metrics/val_f1.tsv").read_text().splitlines()
    assert len(val_f1) == 4  # header + 3 epochs: the crashed epoch's row was dropped and logged again


def test_ranks_that_do_not_divide_a_steps_micro_batches_are_a_one_line_error() -> None:
    from fvc.errors import FvcError

    with pytest.raises(FvcError, match="train.nproc_per_node = 3 must be >= 1 and divide the 2 micro-batches"):
        TrainParams(**{**TRAIN, "nproc_per_node": 3})
