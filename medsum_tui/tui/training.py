"""Training runs the TUI starts: a detached ``medsum train --events`` child process, and the
events file it writes, read incrementally.

The child runs in its own session, so closing the TUI (or a dropped SSH connection) does not
stop it; reopening the TUI finds it among the workspace's running runs and follows its
``events.jsonl`` again. Cancel sends it SIGTERM, which ``medsum train`` turns into an interrupt:
the run settles its spend and ends as "killed".
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.train.events import EventReader

__all__ = ["TrainForm", "TrainingHandle", "exit_event", "exit_message", "read_events", "spawn_training", "stop_training",
           "train_arguments"]


@dataclass(frozen=True)
class TrainForm:
    """What the Train screen's form holds."""

    dataset: str
    model: str
    full: bool = False
    lora_r: int = 16
    epochs: int = 3
    max_steps: int | None = None
    batch_size: int = 8
    max_target_len: int = 64  # target (reference summary) tokens kept; longer ones are truncated
    dp: bool = False
    target_epsilon: float | None = None
    delta: float | None = None
    privacy_unit: str = "record"  # DP: "record" or "patient"
    override_reason: str | None = None  # run even if the budget policy refuses it; audited


@dataclass(frozen=True)
class TrainingHandle:
    """A run being followed: the child's process id and the events file to read."""

    pid: int
    events: str
    run_id: str | None = None  # known once the run's "start" event is read
    log: str = ""  # the child's stdout and stderr (one-line errors, never PHI), for a run this TUI started


def train_arguments(form: TrainForm) -> list[str]:
    """The ``medsum train`` options for ``form`` (the same run the CLI would start)."""
    args = ["--dataset", form.dataset, "--model", form.model, "--lora-r", str(form.lora_r), "--epochs",
            str(form.epochs), "--batch-size", str(form.batch_size), "--max-target-len", str(form.max_target_len)]
    if form.full:
        args.append("--full")
    if form.max_steps is not None:
        args += ["--max-steps", str(form.max_steps)]
    if form.dp:
        args.append("--dp")
        if form.target_epsilon is not None:
            args += ["--target-epsilon", str(form.target_epsilon)]
        if form.delta is not None:
            args += ["--delta", str(form.delta)]
        args += ["--privacy-unit", form.privacy_unit]
    if form.override_reason and form.override_reason.strip():
        args += ["--override-budget", form.override_reason.strip()]
    return args


def spawn_training(root: Path, form: TrainForm) -> tuple[TrainingHandle, subprocess.Popen[bytes]]:
    """Start ``medsum train`` on the workspace at ``root`` as a detached child process; return its
    handle and the process (which the caller polls, so that an exited child is reaped)."""
    logs = root / "logs"
    logs.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    events = logs / f"tui-train-{stamp}-{os.getpid()}.events.jsonl"
    events.touch()
    command = [sys.executable, "-m", "medsum_tui", "train", "--workspace", str(root), *train_arguments(form),
               "--events", str(events)]
    log_path = logs / f"tui-train-{stamp}-{os.getpid()}.log"
    with log_path.open("ab") as log:
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                                 cwd=root)
    return TrainingHandle(child.pid, str(events), log=str(log_path)), child


def exit_message(log: str, default: str, *, last_line: bool = False) -> str:
    """Why a child process ended without saying so in its events: the last ``medsum: error:``
    line of its ``log`` (one line, never PHI), else its last line when ``last_line``, else
    ``default``."""
    try:
        lines = Path(log).read_text(encoding="utf-8", errors="replace").strip().splitlines() if log else []
    except OSError:
        lines = []
    fallback = lines[-1] if last_line and lines else ""
    last = next((line for line in reversed(lines) if line.startswith("medsum: error:")), fallback)
    return last.removeprefix("medsum: error: ") or default


def exit_event(handle: TrainingHandle) -> dict[str, Any]:
    """The event that stands for a child which ended without an "end" event (it failed before
    the run started, or was killed): its last error line, when it left one."""
    return {"event": "exit", "message": exit_message(handle.log, "the training process ended", last_line=True)}


def read_events(path: str, offset: int) -> tuple[list[dict[str, Any]], int]:
    """The complete event lines of ``path`` after byte ``offset``, and the offset to read from next
    (:class:`core.train.events.EventReader`: a line still being written waits for the next read)."""
    reader = EventReader(Path(path), offset)
    return reader.read(), reader.offset


def stop_training(pid: int) -> bool:
    """Stop the run's process with SIGTERM, which ``medsum train`` handles like Ctrl-C: the run
    settles its ledger entry and ends as "killed"."""
    try:
        os.kill(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return False
    return True
