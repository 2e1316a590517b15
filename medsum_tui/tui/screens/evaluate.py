"""Evaluate: every run with its headline ROUGE-L; the highlighted run's report (the model beside
every baseline, the PHI scan, the generation settings), another run beside it to compare, and
an evaluation started from here."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Label, Static

from medsum_tui.tui.backend import EvalView, RunRow
from medsum_tui.tui.screens.base import MedsumScreen

__all__ = ["EvaluateScreen"]


class EvaluateScreen(MedsumScreen):
    """Report tables per run, two side by side."""

    BINDINGS = [
        Binding("v", "evaluate", "Evaluate run", id="evaluate.run"),
        Binding("c", "compare", "Compare with", id="evaluate.compare"),
        Binding("ctrl+r,f5", "refresh", "Refresh", id="evaluate.refresh"),
    ]

    class Runs(Message):
        """The runs of the workspace."""

        def __init__(self, runs: list[RunRow]) -> None:
            """Carry the runs."""
            super().__init__()
            self.runs = runs

    class Report(Message):
        """A run's report (or None: never evaluated), for the left or the right pane."""

        def __init__(self, run_id: str, view: EvalView | None, pane: str) -> None:
            """Carry the report and where it goes."""
            super().__init__()
            self.run_id, self.view, self.pane = run_id, view, pane

    class Step(Message):
        """Progress of an evaluation."""

        def __init__(self, text: str) -> None:
            """Carry the line."""
            super().__init__()
            self.text = text

        def can_replace(self, message: Message) -> bool:
            """Only the latest line matters."""
            return isinstance(message, EvaluateScreen.Step)

    def __init__(self) -> None:
        """No run highlighted yet."""
        super().__init__()
        self.current: str | None = None
        self.compared: str | None = None

    def compose(self) -> ComposeResult:
        """The runs, then two report panes."""
        yield Header()
        yield DataTable(id="eval-runs", cursor_type="row", zebra_stripes=True)
        yield Label("", id="eval-status")
        with Horizontal(id="eval-panes"):
            for pane in ("left", "right"):
                with Vertical(id=f"eval-{pane}", classes="eval-pane"):
                    yield Label("", classes="pane-title", id=f"eval-{pane}-title")
                    yield DataTable(id=f"eval-{pane}-table", cursor_type="none", show_cursor=False)
                    yield Static("", id=f"eval-{pane}-notes")
        yield Footer()

    def on_mount(self) -> None:
        """Columns of the runs table."""
        self.query_one("#eval-runs", DataTable).add_columns("run", "dataset", "model", "status", "ROUGE-L")
        self.query_one("#eval-right-title", Label).update(Text("Highlight a run and press c to compare it here."))

    def on_screen_resume(self) -> None:
        """Reload the runs each time the screen shows."""
        self.action_refresh()

    def action_refresh(self) -> None:
        """Read the runs again."""
        self.load_runs()

    @work(thread=True, exclusive=True, exit_on_error=False, group="eval-runs")
    def load_runs(self) -> None:
        """The runs (blocking)."""
        self.post_message(self.Runs(self.app.backend.runs()))  # type: ignore[attr-defined]

    def on_evaluate_screen_runs(self, message: Runs) -> None:
        """Fill the table."""
        table = self.query_one("#eval-runs", DataTable)
        table.clear()
        for run in message.runs:
            table.add_row(run.run_id, run.dataset, run.model, run.status,
                          "-" if run.rouge_l is None else f"{run.rouge_l:.3f}", key=run.run_id)
        if not message.runs:
            self.query_one("#eval-status", Label).update(Text("No run yet: train one on the Train screen (t)."))

    @on(DataTable.RowHighlighted, "#eval-runs")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.current = event.row_key.value
            self.load_report(event.row_key.value, "left")

    @work(thread=True, exclusive=True, exit_on_error=False, group="eval-report")
    def load_report(self, run_id: str, pane: str) -> None:
        """Read a run's report (blocking)."""
        self.post_message(self.Report(run_id, self.app.backend.eval_report(run_id), pane))  # type: ignore[attr-defined]

    def on_evaluate_screen_report(self, message: Report) -> None:
        """Show a report in its pane."""
        pane, view = message.pane, message.view
        table = self.query_one(f"#eval-{pane}-table", DataTable)
        table.clear(columns=True)
        self.query_one(f"#eval-{pane}-title", Label).update(Text(f"run {message.run_id}"))
        notes = self.query_one(f"#eval-{pane}-notes", Static)
        if view is None:
            notes.update(Text("Not evaluated yet: press v."))
            return
        table.add_columns(*view.rows[0])
        for row in view.rows[1:]:
            table.add_row(*row)
        notes.update(Text(f"{view.headline}\n{view.phi_scan}\n{view.settings}"))

    def action_compare(self) -> None:
        """Put the highlighted run in the right pane, beside the next one highlighted."""
        if self.current is not None:
            self.compared = self.current
            self.load_compared(self.current)

    @work(thread=True, exclusive=True, exit_on_error=False, group="eval-compare")
    def load_compared(self, run_id: str) -> None:
        """Read the compared run's report (blocking)."""
        self.post_message(self.Report(run_id, self.app.backend.eval_report(run_id), "right"))  # type: ignore[attr-defined]

    def action_evaluate(self) -> None:
        """Evaluate the highlighted run on its test split."""
        if self.current is None:
            self.notify("Highlight a finished run first.", severity="warning")
            return
        self.query_one("#eval-status", Label).update(Text(f"Evaluating {self.current}…"))
        self.evaluate(self.current)

    @work(thread=True, exclusive=True, exit_on_error=False, group="eval-run")
    def evaluate(self, run_id: str) -> None:
        """Generate and score (blocking, long); progress lines are posted as they come."""
        view = self.app.backend.evaluate(run_id, lambda text: self.post_message(self.Step(text)))  # type: ignore[attr-defined]
        self.post_message(self.Step(f"Evaluated {run_id}: {view.headline}"))
        self.post_message(self.Report(run_id, view, "left"))
        self.load_runs()

    def on_evaluate_screen_step(self, message: Step) -> None:
        """Show progress."""
        self.query_one("#eval-status", Label).update(Text(message.text.strip()))
