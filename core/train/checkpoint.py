"""Checkpoints of a run: the trainable weights (safetensors), the optimizer, the scheduler,
the random states and the data position, written so that a crash at any moment leaves a
whole checkpoint that resume finds.

Layout: ``RUN/checkpoints/step-000020/`` holds one checkpoint: ``trainable.safetensors``,
``trainer_state.pt`` and, written last, ``complete.json`` (its step and the SHA-256 of each
file). A checkpoint is written under a temporary name (``.step-000020.<random>.tmp``), each file and
the directory fsynced, then renamed into place and the parent directory fsynced; only then
are older checkpoints removed. Resume takes the newest *complete* checkpoint (marker present,
every hash matching), whatever its directory's name, so a crash before, during or after the
rename loses nothing that was whole; incomplete or damaged ones are reported and skipped.
Runs written before this layout have ``RUN/checkpoint/`` (and maybe ``checkpoint.old`` or
``checkpoint.tmp``): those are read as candidates too, when both files load.

The state file is read with ``torch.load(weights_only=True)``: it holds tensors, numbers
and lists only, never arbitrary pickled objects.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

__all__ = ["Candidate", "Progress", "checkpointed_step", "find_checkpoint", "load_checkpoint", "rng_state",
           "save_checkpoint", "set_rng_state", "trainable_state"]

_ROOT = "checkpoints"
_LEGACY = ("checkpoint", "checkpoint.old", "checkpoint.tmp")  # the layout before checkpoints/
_WEIGHTS = "trainable.safetensors"
_STATE = "trainer_state.pt"
_MARKER = "complete.json"
_FILES = (_WEIGHTS, _STATE)


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


@dataclass(frozen=True)
class Candidate:
    """A complete checkpoint: its directory, its step, and its name relative to the run directory."""

    directory: Path
    step: int
    name: str


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


# --- writing ----------------------------------------------------------------------------------
def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def save_checkpoint(run_dir: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: Any, progress: Progress) -> Path:
    """Write a new checkpoint into its own directory and rename it into place; older ones are
    removed only once it is whole and on disk. Returns its directory."""
    root = run_dir / _ROOT
    root.mkdir(exist_ok=True)
    name = f"step-{progress.step:06d}"
    final, tmp = root / name, root / f".{name}.{uuid.uuid4().hex[:8]}.tmp"
    tmp.mkdir()
    save_file(trainable_state(model), str(tmp / _WEIGHTS))
    torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), "rng": rng_state(),
                "progress": progress.to_dict()}, tmp / _STATE)
    for file in _FILES:
        _fsync_file(tmp / file)
    marker = {"step": progress.step, "written_ns": time.time_ns(),
              "files": {file: _sha256(tmp / file) for file in _FILES}}
    with (tmp / _MARKER).open("x", encoding="utf-8") as handle:  # last: its presence means complete
        json.dump(marker, handle)
        handle.flush()
        os.fsync(handle.fileno())
    _fsync_dir(tmp)
    if final.exists():  # the same step again (e.g. after falling back past a damaged one)
        os.rename(final, root / f".{name}.{uuid.uuid4().hex[:8]}.old")
    os.rename(tmp, final)
    _fsync_dir(root)
    for entry in root.iterdir():  # the new one is in place: now the older ones may go
        if entry.name != name:
            _remove(entry)
    for legacy in _LEGACY:
        _remove(run_dir / legacy)
    _fsync_dir(root)
    return final


# --- finding and reading ----------------------------------------------------------------------
def _check_marked(directory: Path) -> tuple[tuple[int, int] | None, str]:
    """The step (and write time) of a checkpoint directory of the current layout, or ``None``
    and why not."""
    try:
        marker = json.loads((directory / _MARKER).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, "incomplete (no completion marker)"
    except (OSError, ValueError) as exc:
        return None, f"unreadable completion marker ({type(exc).__name__})"
    files = marker.get("files") if isinstance(marker, dict) else None
    if not isinstance(files, dict) or set(files) != set(_FILES) or not isinstance(marker.get("step"), int):
        return None, "malformed completion marker"
    for file, expected in files.items():
        if not (directory / file).is_file():
            return None, f"{file} missing"
        if _sha256(directory / file) != expected:
            return None, f"{file} does not match its SHA-256 (damaged)"
    return (marker["step"], int(marker.get("written_ns", 0))), ""


def _check_legacy(directory: Path) -> tuple[tuple[int, int] | None, str]:
    """The step of a checkpoint of the old layout, when its state file loads (the old writer
    wrote the weights first) and its weights file, if there, is whole."""
    if not (directory / _STATE).is_file():
        return None, f"incomplete ({_STATE} missing)"
    try:
        if (directory / _WEIGHTS).is_file():
            with safe_open(str(directory / _WEIGHTS), framework="pt"):  # checks the header against the size
                pass
        state = torch.load(directory / _STATE, weights_only=True)
        return (int(state["progress"]["step"]), -1), ""
    except Exception as exc:  # noqa: BLE001 - any failure to load means not whole
        return None, f"unreadable ({type(exc).__name__})"


def _candidates(run_dir: Path) -> list[Path]:
    """The run's checkpoint directories: each of ``checkpoints/`` (finished, temporary or set
    aside), then the old layout's."""
    root = run_dir / _ROOT
    found = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    return found + [run_dir / name for name in _LEGACY if (run_dir / name).is_dir()]


def find_checkpoint(run_dir: Path) -> tuple[Candidate | None, list[tuple[str, str]]]:
    """The newest complete checkpoint of a run (``None`` when there is none), and the
    checkpoint directories skipped as incomplete or damaged (name, why). The newest is the one
    of the highest step; at equal steps, the last written (a checkpoint of the old layout last)."""
    best: tuple[tuple[int, int], Path] | None = None
    skipped: list[tuple[str, str]] = []
    for directory in _candidates(run_dir):
        check = _check_legacy if directory.parent == run_dir else _check_marked
        key, why = check(directory)
        if key is None:
            skipped.append((directory.relative_to(run_dir).as_posix(), why))
        elif best is None or key > best[0]:
            best = (key, directory)
    if best is None:
        return None, skipped
    return Candidate(best[1], best[0][0], best[1].relative_to(run_dir).as_posix()), skipped


def load_checkpoint(run_dir: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                    scheduler: Any, found: Candidate | None = None) -> Progress | None:
    """Restore the newest complete checkpoint (or ``found``, from :func:`find_checkpoint`)
    into the given objects; ``None`` when there is none."""
    found = found if found is not None else find_checkpoint(run_dir)[0]
    if found is None:
        return None
    directory = found.directory
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
    """The optimizer step of the run's newest complete checkpoint (0 when there is none)."""
    found = find_checkpoint(run_dir)[0]
    return found.step if found is not None else 0
