"""Modal dialogs: the error dialog every worker failure ends in, and the key help."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Label

__all__ = ["ErrorDialog", "HelpDialog"]


class ErrorDialog(ModalScreen[None]):
    """One line saying what went wrong, and OK. Never a traceback, never a PHI value."""

    BINDINGS = [Binding("escape,enter", "dismiss", "Close", id="dialog.close")]

    def __init__(self, title: str, message: str) -> None:
        """``message`` is the one-line reason (already free of PHI: core errors never hold any)."""
        super().__init__()
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        """The title, the reason and an OK button."""
        with Vertical(id="error-box", classes="dialog"):
            yield Label(self.title_text, id="error-title")
            yield Label(self.message, id="error-message")
            yield Button("OK", variant="error", id="error-ok")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """OK closes the dialog."""
        event.stop()
        self.dismiss()


class HelpDialog(ModalScreen[None]):
    """Every key of the app and of the screen it was opened from, with its binding id."""

    BINDINGS = [Binding("escape,question_mark,f1", "dismiss", "Close", id="dialog.close")]

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        """``rows``: (key, what it does, binding id)."""
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        """A table of the keys."""
        with Vertical(id="help-box", classes="dialog"):
            yield Label("Keys (remap any of them by its id in the keymap)", id="help-title")
            yield DataTable(id="help-keys", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        """Fill the table."""
        table = self.query_one(DataTable)
        table.add_columns("key", "action", "id")
        for row in self.rows:
            table.add_row(*row)
