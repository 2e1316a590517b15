"""What every MedSum screen shares: its workers' failures end in the app's error dialog."""

from __future__ import annotations

from typing import Any

from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from core.errors import MedsumError, one_line
from medsum_tui.tui.dialogs import ErrorDialog

__all__ = ["Exported", "MedsumScreen", "RunsChanged"]


def worker_failed(screen: Screen[Any], event: Worker.StateChanged) -> None:
    """Show a failed worker's one-line reason in a dialog. (Worker state messages do not
    bubble, so each screen forwards its own here.)"""
    if event.state is WorkerState.ERROR and event.worker.error is not None:
        error = event.worker.error
        message = str(error) if isinstance(error, MedsumError) else one_line(error)
        screen.app.push_screen(ErrorDialog("Could not finish that", message))


class MedsumScreen(Screen[None]):
    """A screen whose blocking work runs in workers; a failure shows a dialog, never a traceback."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Turn a worker failure into the error dialog."""
        worker_failed(self, event)


class Exported(Message):
    """A file a screen exported (a summary, the compliance report) was written to ``path``;
    ``sha256`` is the digest of its content."""

    def __init__(self, path: str, sha256: str) -> None:
        """Carry where, and the digest."""
        super().__init__()
        self.path = path
        self.sha256 = sha256


class RunsChanged(Message):
    """A training run started or ended: screens that list runs (the dashboard, Evaluate,
    Privacy) refresh. Posted to the app, so every screen can hear it."""
