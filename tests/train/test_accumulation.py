"""Gradient accumulation: every optimiser step is a step on the mean loss of the clips it saw, including the
epoch's last, shorter group (a lone last micro-batch once got half the weight of the others)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import torch
from torch import nn
from torch.utils.data import DataLoader

from fvc.train.buckets import AspectRatioBucketSampler, pad_collate
from fvc.train.clip_model import ClipTraining, train_one_epoch
from fvc.train.dataset import ClipDataset
from fvc.train.early_stopping import EarlyStopping
from fvc.train.params import TrainParams
from tests.train.helpers import train_section


class MeanLogit(nn.Module):
    """logit = w * mean(clip) + b: no BatchNorm, so micro-batches add up exactly to their group."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.tensor(0.3))
        self.b = nn.Parameter(torch.tensor(-0.1))

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        return self.w * x.mean(dim=(1, 2, 3, 4)) + self.b


def test_group_sizes_cover_consecutive_micro_batches_and_a_short_last_group() -> None:
    from fvc.train.clip_model import accumulation_group_sizes

    assert accumulation_group_sizes([4, 4, 4], 2) == [8, 8, 4]
    assert accumulation_group_sizes([4, 4, 4, 2], 2) == [8, 8, 6, 6]
    assert accumulation_group_sizes([3, 1], 1) == [3, 1]


def test_each_step_is_the_gradient_of_its_groups_mean_loss(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    rows = []
    for i in range(6):  # batch 2, effective 4: groups {0, 1, 2, 3} and a lone last micro-batch {4, 5}
        np.save(tmp_path / f"c{i}.npy", rng.integers(0, 256, size=(2, 8, 8, 3), dtype=np.uint8))
        rows.append(
            {"video_id": f"c{i}", "file": f"c{i}.npy", "height": 8, "width": 8, "label": ("real", "fake")[i % 2]}
        )
    dataset = ClipDataset(pl.DataFrame(rows), tmp_path)
    sampler = AspectRatioBucketSampler(dataset.shapes, 2, seed=0, shuffle=False)
    model = MeanLogit()
    optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
    criterion = nn.BCEWithLogitsLoss()
    seen: list[tuple[dict[str, torch.Tensor], list[torch.Tensor]]] = []
    step = optimizer.step

    def recording_step(*args, **kwargs):
        seen.append(
            (
                {k: v.detach().clone() for k, v in model.state_dict().items()},
                [p.grad.clone() for p in model.parameters()],
            )
        )
        return step(*args, **kwargs)

    optimizer.step = recording_step  # type: ignore[method-assign]
    params = TrainParams(**train_section(batch_size=2, effective_batch_size=4, grad_clip=1e9))
    training = ClipTraining(
        model=model,
        network=model,
        optimizer=optimizer,
        scheduler=None,  # type: ignore[arg-type]  (the epoch loop steps it, not train_one_epoch)
        criterion=criterion,
        scaler=torch.amp.GradScaler("cpu", enabled=False),
        stopper=EarlyStopping(patience=1),
        sampler=sampler,
        loader=DataLoader(dataset, batch_sampler=sampler, collate_fn=pad_collate),
        datasets={"train": dataset},
        pos_weight=1.0,
        amp_dtype=None,
        device=torch.device("cpu"),
    )
    train_one_epoch(training, params)

    assert len(seen) == 2
    for (state, grads), members in zip(seen, ([0, 1, 2, 3], [4, 5]), strict=True):
        reference = MeanLogit()
        reference.load_state_dict(state)
        batch = pad_collate([dataset[i] for i in members])
        criterion(reference(batch["x"]), batch["y"]).backward()
        for got, expected in zip(grads, (reference.w.grad, reference.b.grad), strict=True):
            torch.testing.assert_close(got, expected)
