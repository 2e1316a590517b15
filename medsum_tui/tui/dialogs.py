"""Modal dialogs: the error dialog every worker failure ends in, the key help, and the
confirmation every destructive key asks for."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Label

from medsum_tui.tui.tables import fill_table

__all__ = ["ConfirmDialog", "ErrorDialog", "HelpDialog"]


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
        fill_table(table, self.rows, columns=("key", "action", "id"))


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question before a destructive action (cancel a run, overwrite a report).

    Dismisses with True only on ``y`` or the confirm button; ``n``, Escape or the other button
    answer False. The default button is the safe one, so an Enter typed by habit cancels.
    """

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="dialog.yes"),
        Binding("n,escape", "answer(False)", "No", id="dialog.no"),
    ]

    def __init__(self, question: str, confirm: str = "Yes", keep: str = "No") -> None:
        """``question`` says what will happen; ``confirm`` and ``keep`` label the two buttons."""
        super().__init__()
        self.question = question
        self.confirm_label = confirm
        self.keep_label = keep

    def compose(self) -> ComposeResult:
        """The question, then the safe button (focused) and the confirming one."""
        with Vertical(id="confirm-box", classes="dialog"):
            yield Label(self.question, id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self.keep_label} (n)", id="confirm-no", variant="primary")
                yield Button(f"{self.confirm_label} (y)", id="confirm-yes", variant="error")

    def on_mount(self) -> None:
        """Focus the safe answer."""
        self.query_one("#confirm-no", Button).focus()

    def action_answer(self, yes: bool) -> None:
        """Close with the answer."""
        self.dismiss(yes)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """A button answers."""
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")
