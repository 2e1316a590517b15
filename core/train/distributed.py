"""Data-parallel training across processes: torch.distributed with NCCL on GPUs, gloo on CPU.

A distributed run on one machine is started by ``medsum train --nproc N``
(:mod:`core.train.launch`): its workers meet through a FileStore, with no network address or
name lookup. Several machines run ``torchrun`` themselves with a rendezvous endpoint (the
``env://`` rendezvous). Every process runs the same ``medsum train`` command; the launcher
tells each its rank through the environment.
Rank 0 is the only one that writes: the run directory, the runs table, the privacy ledger,
events, metrics and checkpoints. The other ranks train and take part in every collective.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import torch

from core.train.launch import STORE_ENV, env_world_size

__all__ = ["DistContext", "init_from_env", "shard", "shutdown", "wants_cuda"]

T = TypeVar("T")


@dataclass(frozen=True)
class DistContext:
    """This process's place in a data-parallel run (rank 0 of 1 when not distributed)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    backend: str | None = None

    @property
    def distributed(self) -> bool:
        """True when more than one process trains together."""
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """True for the one process that writes the run's files and ledger entry."""
        return self.rank == 0

    def broadcast(self, value: T) -> T:
        """Rank 0's ``value`` on every rank (any picklable object)."""
        if not self.distributed:
            return value
        box: list[Any] = [value]
        torch.distributed.broadcast_object_list(box, src=0)
        return box[0]

    def sum(self, *values: float) -> list[float]:
        """The element-wise sum of ``values`` over every rank."""
        if not self.distributed:
            return list(values)
        tensor = torch.tensor(values, dtype=torch.float64, device=self._device())
        torch.distributed.all_reduce(tensor, op=torch.distributed.ReduceOp.SUM)
        return tensor.tolist()

    def barrier(self) -> None:
        """Wait until every rank gets here."""
        if self.distributed:
            torch.distributed.barrier()

    def _device(self) -> torch.device:
        return torch.device("cuda", torch.cuda.current_device()) if self.backend == "nccl" else torch.device("cpu")


_SINGLE = DistContext()
_current: DistContext = _SINGLE


def wants_cuda(device: str) -> bool:
    """Whether a run's ``--device`` (auto, cpu or cuda) means training on CUDA here."""
    return device == "cuda" or (device == "auto" and torch.cuda.is_available())


def init_from_env(device: str = "auto") -> DistContext:
    """Join the process group the environment describes, once; a single-process context when
    there is none. ``device`` is the run's ``--device``: NCCL for CUDA, else gloo. The workers
    of ``medsum train --nproc N`` meet through their FileStore file (:data:`STORE_ENV`);
    processes that torchrun started, through its ``env://`` rendezvous."""
    global _current
    world = env_world_size()
    if world == 1:
        return _SINGLE
    if torch.distributed.is_initialized():
        return _current
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = wants_cuda(device)
    backend = "nccl" if use_cuda else "gloo"
    if use_cuda:
        torch.cuda.set_device(local_rank)
    store = os.environ.get(STORE_ENV)
    if store:
        torch.distributed.init_process_group(backend=backend, init_method=Path(store).as_uri(), rank=rank,
                                             world_size=world)
    else:
        torch.distributed.init_process_group(backend=backend)
    _current = DistContext(rank=rank, world_size=world, local_rank=local_rank, backend=backend)
    return _current


def shutdown() -> None:
    """Leave the process group, if this process joined one."""
    global _current
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()
    _current = _SINGLE


def shard(items: Sequence[T], ctx: DistContext) -> list[T]:
    """This rank's share of ``items``: every ``world_size``-th one from its rank."""
    return list(items[ctx.rank::ctx.world_size])
