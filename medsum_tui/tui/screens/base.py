"""What every MedSum screen shares: its workers' failures end in the app's error dialog, the
keys that start a job are off while that job runs, and Escape gives the screen its keys back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from textual import events
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from core.errors import MedsumError, one_line
from medsum_tui.tui.dialogs import ConfirmDialog, ErrorDialog

__all__ = ["Exported", "MedsumScreen", "RunsChanged", "confirm_export"]


def worker_failed(screen: Screen[Any], event: Worker.StateChanged) -> None:
    """Show a failed worker's one-line reason in a dialog. (Worker state messages do not
    bubble, so each screen forwards its own here.)"""
    if event.state is WorkerState.ERROR and event.worker.error is not None:
        error = event.worker.error
        message = str(error) if isinstance(error, MedsumError) else one_line(error)
        screen.app.push_screen(ErrorDialog("Could not finish that", message))


def confirm_export(screen: Screen[Any], path: str, export: Callable[[str], object]) -> None:
    """Export to ``path`` at once, or, when a file is already there, only after the user
    confirms replacing it (an export must never silently destroy a saved file)."""
    if not Path(path).expanduser().exists():
        export(path)
        return

    def answered(replace: bool | None) -> None:
        if replace:
            export(path)

    screen.app.push_screen(ConfirmDialog(f"{path} already exists. Replace it?", confirm="Replace",
                                         keep="Keep it"), answered)


class MedsumScreen(Screen[None]):
    """A screen whose blocking work runs in workers; a failure shows a dialog, never a traceback.

    ``HOME`` names the widget that holds the screen's keys (its list): Escape, a finished
    export and a closed dialog put the focus back there, so a single-letter key never types
    into a text box by accident. ``JOBS`` maps an action to the worker group it starts: while
    a worker of that group runs, the action is off (dimmed in the footer, its key ignored).
    """

    HOME: ClassVar[str] = ""
    JOBS: ClassVar[dict[str, str]] = {}
    COMPACT_BELOW: ClassVar[int] = 32  # terminal rows under which text boxes and pickers lose their borders
    NARROW_BELOW: ClassVar[int] = 100  # terminal columns under which side-by-side panes stack

    def on_resize(self, event: events.Resize) -> None:
        """On a short terminal (an 80x24 SSH session), text boxes, pickers and buttons take one
        row, not three, so the lists and figures keep the room; on a narrow one, panes that sit
        side by side stack (the screen's CSS says which)."""
        compact = event.size.height < self.COMPACT_BELOW
        self.set_class(compact, "short")
        self.set_class(event.size.width < self.NARROW_BELOW, "narrow")
        for widget in self.query("Input, Select, Button"):
            widget.compact = compact  # type: ignore[attr-defined]

    def busy(self, group: str) -> bool:
        """Whether a worker of ``group`` that this screen started is pending or running."""
        return any(worker.group == group and worker.node is self
                   and worker.state in (WorkerState.PENDING, WorkerState.RUNNING) for worker in self.app.workers)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Off (None: shown dimmed) while the job the action starts is running."""
        group = self.JOBS.get(action)
        return None if group is not None and self.busy(group) else True

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Turn a worker failure into the error dialog; a job that started or ended turns its key
        off or on again."""
        worker_failed(self, event)
        if event.worker.group in self.JOBS.values():
            self.refresh_bindings()

    def focus_home(self) -> None:
        """Give the screen its keys back: focus its list, or nothing when it has none."""
        home = next(iter(self.query(self.HOME)), None) if self.HOME else None
        if home is not None and home.focusable:
            home.focus()
        else:
            self.set_focus(None)

    def on_screen_suspend(self) -> None:
        """Note whether a dialog covers the screen (its closing is not a new visit)."""
        self._under_dialog = isinstance(self.app.screen, ModalScreen)

    def on_screen_resume(self) -> None:
        """Coming back never leaves the cursor in a text box; coming back from another screen
        (not from a dialog, which would ask again whatever failed) reads the screen's data again."""
        if isinstance(self.focused, Input):
            self.focus_home()
        if not getattr(self, "_under_dialog", False):
            self.shown()
        self._under_dialog = False

    def shown(self) -> None:
        """The screen is shown, the first time or again from another screen: read what it lists."""

    def runs_changed(self) -> None:
        """A run started, ended or was evaluated: screens that list runs read them again."""


class Exported(Message):
    """A file a screen exported (a summary, the compliance report) was written to ``path``;
    ``sha256`` is the digest of its content."""

    def __init__(self, path: str, sha256: str) -> None:
        """Carry where, and the digest."""
        super().__init__()
        self.path = path
        self.sha256 = sha256


class RunsChanged(Message):
    """Posted to the app when a run starts or ends, or an evaluation finishes: the screen on
    view lists its runs again (the others do when they are shown)."""
