"""Models: the store, a local checkpoint imported with its progress, and a model verified
against its manifest of SHA-256 hashes."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Footer, Input, Label, ProgressBar, Static

from medsum_tui.tui.backend import ModelRow
from medsum_tui.tui.navbar import NavBar
from medsum_tui.tui.screens.base import MedsumScreen
from medsum_tui.tui.tables import fill_table

__all__ = ["ModelsScreen"]


class ModelsScreen(MedsumScreen):
    """The model store."""

    HOME = "#models-table"
    JOBS = {"verify": "models-verify"}
    BINDINGS = [
        Binding("y", "verify", "Verify", id="models.verify"),
        Binding("n", "focus_import", "Import", id="models.import"),
        Binding("ctrl+r,f5", "refresh", "Refresh", id="models.refresh"),
    ]

    class Listed(Message):
        """The store's models."""

        def __init__(self, models: list[ModelRow]) -> None:
            """Carry the rows."""
            super().__init__()
            self.models = models

    class Progress(Message):
        """Import progress; a newer one replaces it."""

        def __init__(self, stage: str, done: int, total: int) -> None:
            """Carry the stage and the files done."""
            super().__init__()
            self.stage, self.done, self.total = stage, done, total

        def can_replace(self, message: Message) -> bool:
            """Only the latest matters."""
            return isinstance(message, ModelsScreen.Progress)

    class Verified(Message):
        """A verification finished."""

        def __init__(self, name: str, problems: list[str]) -> None:
            """Carry the result."""
            super().__init__()
            self.name, self.problems = name, problems

    def compose(self) -> ComposeResult:
        """The store, the import form and its progress, the verification result."""
        yield NavBar()
        yield DataTable(id="models-table", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="import-form"):
            yield Input(placeholder="checkpoint directory to import", id="import-path")
            yield Input(placeholder="name in the store", id="import-name")
        yield Label("", id="import-stage")
        yield ProgressBar(id="import-progress", show_eta=False)
        yield Static("", id="verify-result")
        yield Footer()

    def on_mount(self) -> None:
        """Columns."""
        self.query_one("#models-table", DataTable).add_columns("name", "family", "parameters", "source")
        self.query_one("#import-progress").display = False  # until an import runs

    def shown(self) -> None:
        """Read the store each time the screen shows."""
        self.action_refresh()

    def action_refresh(self) -> None:
        """Read the store again."""
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="models")
    def load(self) -> None:
        """The models (blocking)."""
        self.post_message(self.Listed(self.app.backend.models()))  # type: ignore[attr-defined]

    def on_models_screen_listed(self, message: Listed) -> None:
        """Fill the table."""
        table = self.query_one("#models-table", DataTable)
        if message.models:
            fill_table(table, [(m.name, m.family, f"{m.parameters:,}", m.source) for m in message.models],
                       keys=[m.name for m in message.models])
        else:
            fill_table(table, [("(no model yet: import one, or the demo data on the Dashboard)", "", "", "")])

    def action_focus_import(self) -> None:
        """Put the cursor in the import form."""
        self.query_one("#import-path", Input).focus()

    @on(Input.Submitted, "#import-path")
    @on(Input.Submitted, "#import-name")
    def _import(self) -> None:
        path = self.query_one("#import-path", Input).value.strip()
        name = self.query_one("#import-name", Input).value.strip()
        if not path or not name:
            self.query_one("#import-name" if path else "#import-path", Input).focus()
            return
        if self.busy("models-import"):
            self.notify("An import is already running: wait for it to finish.", severity="warning")
            return
        self.import_checkpoint(path, name)
        self.focus_home()

    @work(thread=True, exclusive=True, exit_on_error=False, group="models-import")
    def import_checkpoint(self, path: str, name: str) -> None:
        """Import (blocking): every file is copied and hashed, then the model is loaded once."""
        row = self.app.backend.import_model(  # type: ignore[attr-defined]
            path, name, lambda stage, done, total: self.post_message(self.Progress(stage, done, total)))
        self.post_message(self.Progress(f"imported {row.name} ({row.parameters:,} parameters)", 1, 1))
        self.load()

    def on_models_screen_progress(self, message: Progress) -> None:
        """Show the stage and the share of files done."""
        self.query_one("#import-progress").display = True
        self.query_one("#import-stage", Label).update(Text(message.stage))
        self.query_one("#import-progress", ProgressBar).update(total=max(message.total, 1), progress=message.done)

    def action_verify(self) -> None:
        """Re-hash the highlighted model against its manifest."""
        table = self.query_one("#models-table", DataTable)
        if table.row_count == 0 or table.cursor_row < 0:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key is not None:
            self.query_one("#verify-result", Static).update(Text(f"Verifying {key}…"))
            self.verify(key)

    @work(thread=True, exclusive=True, exit_on_error=False, group="models-verify")
    def verify(self, name: str) -> None:
        """Re-hash (blocking)."""
        self.post_message(self.Verified(name, self.app.backend.verify_model(name)))  # type: ignore[attr-defined]

    def on_models_screen_verified(self, message: Verified) -> None:
        """Say whether the model is intact, and what is not."""
        if message.problems:
            text = Text(f"✗ {message.name}: {len(message.problems)} file(s) differ from the manifest: "
                        + "; ".join(message.problems), style="bold red")
        else:
            text = Text(f"✓ {message.name}: every file matches its manifest hash", style="green")
        self.query_one("#verify-result", Static).update(text)
