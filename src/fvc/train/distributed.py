"""One fold on several processes: torchrun, DistributedDataParallel, and what each rank may do.

``train.nproc_per_node`` > 1 makes ``stages/train.py`` start itself again under ``torchrun --standalone``
(``launch``). Each process then joins the group (``init``: NCCL on CUDA, one GPU per local rank; gloo on CPU),
trains the same model on its share of every accumulation group's micro-batches (the bucket sampler's
``num_replicas``/``rank``), and DDP averages the gradients. Rank 0 alone writes dvclive, checkpoints and
predictions; validation runs on rank 0 and its verdict is broadcast, so every rank stops at the same epoch.

Outside torchrun (no ``WORLD_SIZE`` in the environment) everything here is the one-process identity.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist

from fvc.errors import FvcError


@dataclass(frozen=True)
class World:
    """This process's place: ``rank`` of ``size`` processes, ``local_rank`` on its node."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def world() -> World:
    """The process group this process is in, or the one-process world."""
    if not (dist.is_available() and dist.is_initialized()):
        return World()
    return World(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")))


def under_torchrun() -> bool:
    """True in a process that torchrun started (it sets WORLD_SIZE, RANK, LOCAL_RANK and the rendezvous)."""
    return "WORLD_SIZE" in os.environ and "LOCAL_RANK" in os.environ


def launch(nproc: int, argv: list[str], env: dict[str, str] | None = None) -> int:
    """Run ``python argv...`` as ``nproc`` processes under ``torch.distributed.run --standalone``; its exit status.

    ``env``: the processes' environment (default: this one). torchrun sets OMP_NUM_THREADS=1 when it is unset;
    here each process gets an equal share of the cores instead.
    """
    env = dict(os.environ if env is None else env)
    env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // nproc)))
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}", *argv]
    return subprocess.run(cmd, env=env, check=False).returncode


def init() -> torch.device:
    """Join the process group torchrun set up; returns this rank's device (cuda:LOCAL_RANK, else CPU).

    Raises FvcError when there are fewer GPUs than local ranks.
    """
    local_rank = int(os.environ["LOCAL_RANK"])
    if torch.cuda.is_available():
        if local_rank >= torch.cuda.device_count():
            raise FvcError(
                f"train.nproc_per_node: local rank {local_rank} but {torch.cuda.device_count()} GPU(s) on this node"
            )
        torch.cuda.set_device(local_rank)
        dist.init_process_group("nccl")
        return torch.device("cuda", local_rank)
    dist.init_process_group("gloo")
    return torch.device("cpu")


def finish() -> None:
    """Leave the process group, if in one."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def barrier() -> None:
    if world().size > 1:
        dist.barrier()


def from_main(value: Any) -> Any:
    """``value`` as rank 0 has it, on every rank (a picklable object)."""
    if world().size == 1:
        return value
    box = [value]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def sum_over_ranks(*values: float) -> tuple[float, ...]:
    """Each value summed over all ranks (float64)."""
    if world().size == 1:
        return values
    total = torch.tensor(values, dtype=torch.float64)
    if dist.get_backend() == "nccl":
        total = total.cuda()
    dist.all_reduce(total)
    return tuple(total.cpu().tolist())
