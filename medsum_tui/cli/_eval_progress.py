"""What ``medsum eval`` shows and records while it runs: a progress bar per generation pass on
stderr, an optional JSON-lines events file (what the TUI follows), and SIGTERM as a cancel
that never interrupts the writing of the report."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

from medsum_tui.cli._runtime import is_quiet, say

__all__ = ["EvalEvents", "EvalProgressBar", "cancel_on_terminate", "stop_with_parent"]


class EvalEvents:
    """Appends one JSON object a line to ``path`` (nothing when ``path`` is None); each line is
    flushed at once, so a reader never waits for a batch of them. No line holds record text."""

    def __init__(self, path: Path | None) -> None:
        """Remember the file; it is opened for each line."""
        self.path = path

    def __call__(self, event: str, **fields: Any) -> None:
        """Append ``{"event": event, **fields}``."""
        if self.path is None:
            return
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"event": event, **fields}) + "\n")


class EvalProgressBar:
    """A rich progress bar on stderr for each generation pass ("model", then "base model"):
    records done of the total, and the time left in that pass."""

    def __init__(self) -> None:
        """No pass started yet."""
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeRemainingColumn(), console=Console(stderr=True), transient=False,
                            disable=is_quiet())
        self.tasks: dict[str, Any] = {}
        self.live = False

    def update(self, stage: str, done: int, total: int) -> None:
        """Draw ``done`` of ``total`` for ``stage`` (a generation pass; other stages are ignored)."""
        if stage not in ("model", "base model"):
            return
        if not self.live:
            self.bar.start()
            self.live = True
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(stage, total=total)
        self.bar.update(self.tasks[stage], completed=done)

    def say(self, message: str) -> None:
        """A line of output that does not break the bar."""
        (self.bar.console.print if self.live and not self.bar.disable else say)(message)

    def stop(self) -> None:
        """Leave the bars drawn as they are."""
        if self.live:
            self.bar.stop()
            self.live = False


class _Cancel:
    """SIGTERM's state: asked for, and whether it may interrupt right now."""

    def __init__(self) -> None:
        self.asked = False
        self.writing = False


def cancel_on_terminate() -> tuple[_Cancel, Any]:
    """Make SIGTERM a cancel: the handler only records it (``asked``), and the evaluation, which
    asks at every decoding step and between its stages, stops at the next one; once the report is
    being written the cancel is no longer heard, so a report is never half written. (An
    exception raised from the handler would land anywhere, inside library code that may turn
    it into another error.) Returns the state (set ``writing`` when writing starts; pass
    ``asked`` as the evaluation's ``cancelled``) and the previous handler (None off the main
    thread, where signals cannot be handled)."""
    state = _Cancel()

    def handler(signum: int, frame: object) -> None:
        state.asked = True

    if threading.current_thread() is not threading.main_thread():
        return state, None
    return state, signal.signal(signal.SIGTERM, handler)


def stop_with_parent(interval_s: float = 0.5) -> None:
    """Send this process SIGTERM (a cancel) when the process that started it goes away, so an
    evaluation a TUI started never outlives it, however the TUI ended."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval_s)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="medsum-eval-parent-watch", daemon=True).start()
