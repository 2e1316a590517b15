"""Checkpoints of a run: the trainable weights (safetensors), the optimizer, the scheduler,
the random states and the data position, written so that a kill at any moment leaves the
previous checkpoint intact.

The state file is read with ``torch.load(weights_only=True)``: it holds tensors, numbers
and lists only, never arbitrary pickled objects.
"""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

__all__ = ["Progress", "checkpointed_step", "load_checkpoint", "rng_state", "save_checkpoint", "set_rng_state", "trainable_state"]

_DIR = "checkpoint"
_WEIGHTS = "trainable.safetensors"
_STATE = "trainer_state.pt"


@dataclass
class Progress:
    """Where a run is: the next batch to train (epoch, index), optimizer steps done, and the
    early-stopping bookkeeping."""

    epoch: int = 0
    batch: int = 0
    step: int = 0
    total_steps: int = 0
    best_val_loss: float | None = None
    bad_epochs: int = 0
    samples: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Plain numbers, for the state file."""
        return dict(self.__dict__)


def rng_state() -> dict[str, Any]:
    """Python's and torch's random states (and CUDA's where present)."""
    version, internal, gauss = random.getstate()
    state: dict[str, Any] = {"python": [version, list(internal), gauss], "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`rng_state` saved."""
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def trainable_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The parameters being trained (the LoRA adapter, or every weight with ``--full``)."""
    return {name: p.detach().to("cpu").contiguous() for name, p in model.named_parameters() if p.requires_grad}


def save_checkpoint(run_dir: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: Any, progress: Progress) -> None:
    """Write a new checkpoint beside the old one, then swap them, so one is always whole."""
    tmp = run_dir / f"{_DIR}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    save_file(trainable_state(model), str(tmp / _WEIGHTS))
    torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), "rng": rng_state(),
                "progress": progress.to_dict()}, tmp / _STATE)
    current, old = run_dir / _DIR, run_dir / f"{_DIR}.old"
    shutil.rmtree(old, ignore_errors=True)
    if current.exists():
        current.rename(old)
    tmp.rename(current)
    shutil.rmtree(old, ignore_errors=True)


def load_checkpoint(run_dir: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: Any) -> Progress | None:
    """Restore the latest whole checkpoint into the given objects; ``None`` when there is none."""
    directory = run_dir / _DIR
    if not (directory / _STATE).exists():
        directory = run_dir / f"{_DIR}.old"  # killed between the two renames of a swap
        if not (directory / _STATE).exists():
            return None
    weights = load_file(str(directory / _WEIGHTS))
    expected = {name for name, p in model.named_parameters() if p.requires_grad}
    if set(weights) != expected:
        raise ValueError(f"{directory / _WEIGHTS}: its tensors do not match the model being trained")
    model.load_state_dict(weights, strict=False)
    state = torch.load(directory / _STATE, weights_only=True)
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    set_rng_state(state["rng"])
    return Progress(**state["progress"])


def checkpointed_step(run_dir: Path) -> int:
    """The optimizer step of the run's latest whole checkpoint (0 when there is none)."""
    for directory in (run_dir / _DIR, run_dir / f"{_DIR}.old"):
        if (directory / _STATE).exists():
            state = torch.load(directory / _STATE, weights_only=True)
            return int(state["progress"]["step"])
    return 0
