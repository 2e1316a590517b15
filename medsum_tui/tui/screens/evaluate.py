"""Evaluate: every run with its headline ROUGE-L; the highlighted run's report (the model beside
every baseline, the PHI scan, the generation settings), another run beside it to compare, and
an evaluation started from here.

An evaluation runs as a ``medsum eval --events`` child process (see
:mod:`medsum_tui.tui.evaluation`): the screen reads its events twice a second and shows the pass,
the records done and the ETA; ``k`` cancels it after a confirmation, and leaving the app cancels
it too, so quitting never waits for it.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Label, Static
from textual.worker import Worker, WorkerState

from medsum_tui.tui.backend import EvalHandle, EvalView, RunRow
from medsum_tui.tui.dialogs import ConfirmDialog, ErrorDialog
from medsum_tui.tui.evaluation import EvalStatus, fold_eval_events
from medsum_tui.tui.navbar import NavBar
from medsum_tui.tui.screens.base import MedsumScreen, RunsChanged
from medsum_tui.tui.tables import fill_table

__all__ = ["EvaluateScreen"]

POLL_S = 0.5  # the events file is read, and the progress redrawn, at most twice a second


class EvaluateScreen(MedsumScreen):
    """Report tables per run, two side by side."""

    HOME = "#eval-runs"
    BINDINGS = [
        Binding("v", "evaluate", "Evaluate", id="evaluate.run"),
        Binding("c", "compare", "Compare", id="evaluate.compare"),
        Binding("k", "cancel", "Cancel", id="evaluate.cancel"),
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

    class Prepared(Message):
        """The run's current report (or None), read before an evaluation starts."""

        def __init__(self, run_id: str, view: EvalView | None) -> None:
            """Carry the run and its report."""
            super().__init__()
            self.run_id, self.view = run_id, view

    class Started(Message):
        """The evaluation's child process is running."""

        def __init__(self, handle: EvalHandle) -> None:
            """Carry its handle."""
            super().__init__()
            self.handle = handle

    class Progress(Message):
        """The evaluation's state after the events read so far."""

        def __init__(self, status: EvalStatus, offset: int) -> None:
            """Carry the folded state and where to read from next."""
            super().__init__()
            self.status, self.offset = status, offset

        def can_replace(self, message: Message) -> bool:
            """Only the latest state matters."""
            return isinstance(message, EvaluateScreen.Progress)

    def __init__(self) -> None:
        """No run highlighted yet."""
        super().__init__()
        self.current: str | None = None
        self.compared: str | None = None
        self.evaluating: str | None = None  # the run being evaluated (from the key press to the end)
        self.job: EvalHandle | None = None  # its child process, once started
        self.job_status = EvalStatus()
        self.events_offset = 0
        self.poll_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        """The runs, then two report panes."""
        yield NavBar()
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
        # the figures before the long names, so that they stay on screen at 80 columns
        self.query_one("#eval-runs", DataTable).add_columns("run", "status", "ROUGE-L", "dataset", "model")
        self.query_one("#eval-right-title", Label).update(Text("Highlight a run and press c to compare it here."))
        self.query_one("#eval-right").add_class("empty")  # a narrow screen shows it once there is a run to compare

    def shown(self) -> None:
        """Reload the runs each time the screen shows."""
        self.action_refresh()

    def runs_changed(self) -> None:
        """A run started, ended or was evaluated: read the runs again."""
        self.load_runs()

    def action_refresh(self) -> None:
        """Read the runs again."""
        self.load_runs()

    @work(thread=True, exclusive=True, exit_on_error=False, group="eval-runs")
    def load_runs(self) -> None:
        """The runs (blocking)."""
        self.post_message(self.Runs(self.app.backend.runs()))  # type: ignore[attr-defined]

    def on_evaluate_screen_runs(self, message: Runs) -> None:
        """Fill the table, the cursor staying on the run it was on (a reload after a dialog or an
        evaluation must not move it to another run, which ``v`` would then evaluate)."""
        table = self.query_one("#eval-runs", DataTable)
        keep = self.current
        fill_table(table, [(run.run_id, run.status, "-" if run.rouge_l is None else f"{run.rouge_l:.3f}",
                            run.dataset, run.model) for run in message.runs],
                   keys=[run.run_id for run in message.runs])
        if keep is not None and keep in {run.run_id for run in message.runs}:
            table.move_cursor(row=table.get_row_index(keep))
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
        self.query_one(f"#eval-{pane}").remove_class("empty")
        table = self.query_one(f"#eval-{pane}-table", DataTable)
        table.clear(columns=True)
        self.query_one(f"#eval-{pane}-title", Label).update(Text(f"run {message.run_id}"))
        notes = self.query_one(f"#eval-{pane}-notes", Static)
        if view is None:
            notes.update(Text("Not evaluated yet: press v."))
            return
        fill_table(table, view.rows[1:], columns=view.rows[0])
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

    # -- evaluating ----------------------------------------------------------------------
    def action_evaluate(self) -> None:
        """Evaluate the highlighted run on its test split (asking first if it has a report)."""
        if self.evaluating is not None:
            self.notify(f"Already evaluating run {self.evaluating}.", severity="warning")
            return
        if self.current is None:
            self.notify("Highlight a finished run first.", severity="warning")
            return
        self.evaluating = self.current
        self.prepare(self.current)

    @work(thread=True, exclusive=True, exit_on_error=False, group="eval-prepare")
    def prepare(self, run_id: str) -> None:
        """Read the run's current report (blocking), to ask before replacing it."""
        self.post_message(self.Prepared(run_id, self.app.backend.eval_report(run_id)))  # type: ignore[attr-defined]

    def on_evaluate_screen_prepared(self, message: Prepared) -> None:
        """Start, or first ask whether to replace the run's report."""
        run_id, view = message.run_id, message.view
        if view is None:
            self.start(run_id)
            return
        when = view.evaluated_at.replace("T", " ").removesuffix("+00:00") + " UTC" if view.evaluated_at else "earlier"

        def answered(replace: bool | None) -> None:
            if replace:
                self.start(run_id)
            else:
                self.evaluating = None
        self.app.push_screen(ConfirmDialog(f"Run {run_id} already has a report from {when}; evaluate again and "
                                           "replace it?", "Replace", "Keep"), answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="eval-start")
    def start(self, run_id: str) -> None:
        """Spawn the evaluation's child process (blocking only briefly)."""
        self.post_message(self.Started(self.app.backend.start_evaluation(run_id)))  # type: ignore[attr-defined]

    def on_evaluate_screen_started(self, message: Started) -> None:
        """Follow the evaluation's events."""
        self.job, self.job_status, self.events_offset = message.handle, EvalStatus(), 0
        self._show_progress()
        if self.poll_timer is not None:
            self.poll_timer.stop()
        self.poll_timer = self.set_interval(POLL_S, self.poll)

    def poll(self) -> None:
        """Ask for new events (read in a worker)."""
        if self.job is not None:
            self.read_events(self.job, self.job_status, self.events_offset)

    @work(thread=True, exclusive=True, exit_on_error=False, group="eval-poll")
    def read_events(self, handle: EvalHandle, status: EvalStatus, offset: int) -> None:
        """Read new events and post the folded state."""
        events, offset = self.app.backend.evaluation_events(handle, offset)  # type: ignore[attr-defined]
        if events:
            self.post_message(self.Progress(fold_eval_events(status, events), offset))

    def on_evaluate_screen_progress(self, message: Progress) -> None:
        """Redraw the progress line; at the end, reload the runs and the report."""
        if self.job is None:
            return
        self.job_status, self.events_offset = message.status, message.offset
        if not message.status.ended:
            self._show_progress()
            return
        run_id, status = self.job.run_id, message.status
        self._finish()
        line = self.query_one("#eval-status", Label)
        if status.outcome == "finished":
            line.update(Text(f"Evaluated {run_id}."))
            self.notify(f"Run {run_id} evaluated.")
            self.app.post_message(RunsChanged())  # this screen's list, and the others' when shown
            self.load_report(run_id, "left")
            if self.compared == run_id:
                self.load_compared(run_id)
        elif status.outcome == "cancelled":
            line.update(Text(f"Evaluation of {run_id} cancelled; its previous report is unchanged."))
        else:
            line.update(Text(f"Evaluation of {run_id} failed."))
            self.app.push_screen(ErrorDialog("Evaluation failed", status.message))

    def _show_progress(self) -> None:
        """``model 48/201 · ETA 1 min 10 s · k cancels · run …``: the figures first, so a narrow
        screen cuts the run id, not them, and the line never wraps over the report."""
        run_id = self.job.run_id if self.job is not None else self.evaluating
        self.query_one("#eval-status", Label).update(
            Text(f"{self.job_status.line()} · k cancels · evaluating {run_id}", no_wrap=True, overflow="ellipsis"))

    def _finish(self) -> None:
        """The evaluation is over: stop reading, free the key."""
        if self.poll_timer is not None:
            self.poll_timer.stop()
            self.poll_timer = None
        self.job, self.evaluating = None, None

    def action_cancel(self) -> None:
        """Cancel the evaluation, after a confirmation."""
        if self.job is None:
            self.notify("No evaluation is running." if self.evaluating is None
                        else "The evaluation is starting; cancel it in a moment.", severity="warning")
            return
        handle = self.job

        def answered(cancel: bool | None) -> None:
            if cancel and self.job is handle:
                self.cancel(handle)
        self.app.push_screen(ConfirmDialog(f"Cancel the evaluation of run {handle.run_id}? Nothing will be written.",
                                           "Cancel it", "Keep going"), answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="eval-cancel")
    def cancel(self, handle: EvalHandle) -> None:
        """Stop the child (it then writes a "cancelled" event)."""
        self.app.backend.cancel_evaluation(handle)  # type: ignore[attr-defined]

    def on_unmount(self) -> None:
        """Leaving the app cancels an evaluation still going (it is not worth waiting for)."""
        if self.job is not None:
            self.app.backend.cancel_evaluation(self.job)  # type: ignore[attr-defined]
            self._finish()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed start frees the key; every failure shows the error dialog."""
        if event.state is WorkerState.ERROR and event.worker.group in ("eval-prepare", "eval-start"):
            self.evaluating = None
            self.query_one("#eval-status", Label).update(Text(""))
        super().on_worker_state_changed(event)
