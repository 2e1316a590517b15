"""Evaluations the TUI starts: a ``medsum eval RUN --events FILE --with-parent`` child process,
its events read incrementally, and the one-line status the Evaluate screen shows.

Unlike training, an evaluation is not precious (it can be run again and writes nothing until it
is done), so it belongs to the TUI: cancel and quitting the TUI send it SIGTERM, and it also
stops by itself if the TUI dies. A cancelled evaluation writes nothing.
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

from medsum_tui.tui.training import exit_message

__all__ = ["EvalHandle", "EvalStatus", "exit_event", "fold_eval_events", "format_duration", "spawn_evaluation",
           "stop_evaluation"]


@dataclass(frozen=True)
class EvalHandle:
    """An evaluation being followed: the child's process id, its run, events file and log."""

    pid: int
    run_id: str
    events: str
    log: str = ""


@dataclass(frozen=True)
class EvalStatus:
    """What the events so far say: the stage, records done of the total, the ETA, and how it ended."""

    stage: str = "starting"
    done: int = 0
    total: int = 0
    eta_s: float | None = None
    outcome: str | None = None  # "finished", "cancelled" or "failed" once it has ended
    message: str = ""

    @property
    def ended(self) -> bool:
        """Whether the evaluation is over."""
        return self.outcome is not None

    def line(self) -> str:
        """The progress in a few words, short enough for an 80-column screen:
        ``model 48/201 · ETA 1 min 10 s``."""
        if self.stage in ("model", "base model"):
            eta = "" if self.eta_s is None else f" · ETA {format_duration(self.eta_s)}"
            return f"{self.stage} {self.done}/{self.total}{eta}"
        return {"starting": "loading the model…", "scoring": "scoring…", "writing": "writing the report…"}.get(
            self.stage, self.stage)


def format_duration(seconds: float) -> str:
    """``1 min 10 s``, ``45 s``, ``1 h 5 min``."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def fold_eval_events(status: EvalStatus, events: list[dict[str, Any]]) -> EvalStatus:
    """``status`` after ``events`` (``progress``, ``end``, ``cancelled``, ``error``, and ``exit``
    for a child that ended without saying how)."""
    for event in events:
        kind = event.get("event")
        if status.ended:
            break
        if kind == "progress":
            status = EvalStatus(event["stage"], event["done"], event["total"], event.get("eta_s"))
        elif kind == "end":
            status = EvalStatus("done", status.total, status.total, None, "finished", event.get("message", ""))
        elif kind == "cancelled":
            status = EvalStatus(status.stage, status.done, status.total, None, "cancelled",
                                "cancelled: the previous report is unchanged")
        elif kind in ("error", "exit"):
            status = EvalStatus(status.stage, status.done, status.total, None, "failed",
                                event.get("message", "the evaluation process ended"))
    return status


def spawn_evaluation(root: Path, run_id: str) -> tuple[EvalHandle, subprocess.Popen[bytes]]:
    """Start ``medsum eval`` for ``run_id`` on the workspace at ``root`` (the workspace's generation
    settings), writing events to a file under ``logs/``; return its handle and the process."""
    logs = root / "logs"
    logs.mkdir(exist_ok=True)
    stem = f"tui-eval-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    events, log_path = logs / f"{stem}.events.jsonl", logs / f"{stem}.log"
    events.touch()
    command = [sys.executable, "-m", "medsum_tui", "eval", run_id, "--workspace", str(root), "--events", str(events),
               "--with-parent"]
    # the child imports the same medsum as this process, wherever the workspace (its cwd) is
    here = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH")) if p)}
    with log_path.open("ab") as log:
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                                 cwd=root, env=env)
    return EvalHandle(child.pid, run_id, str(events), str(log_path)), child


def stop_evaluation(child: subprocess.Popen[bytes]) -> bool:
    """SIGTERM to the evaluation (``medsum eval`` turns it into a cancel that writes nothing);
    False when it has already exited (it is reaped, never signalled)."""
    if child.poll() is not None:
        return False
    try:
        child.send_signal(signal.SIGTERM)
    except ProcessLookupError:
        return False
    return True


def exit_event(handle: EvalHandle) -> dict[str, Any]:
    """The event that stands for a child which ended without saying how: its last error line
    (one line, never PHI), when it left one."""
    return {"event": "exit", "message": exit_message(handle.log, "the evaluation process ended")}
