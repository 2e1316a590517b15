"""Privacy: each dataset's epsilon against its policy, the runs ledger (non-private runs flagged),
overrides and warnings, the audit chain's state, and the compliance report export."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Footer, Input, Label, ProgressBar, Static

from medsum_tui.tui.backend import BudgetGauge, PrivacyView
from medsum_tui.tui.navbar import NavBar
from medsum_tui.tui.screens.base import Exported, MedsumScreen, confirm_export
from medsum_tui.tui.tables import fill_table

__all__ = ["AUDIT_DEFECT", "PrivacyScreen"]

#: How to read the audited figures, shown under them.
AUDIT_DEFECT = "A lower bound ABOVE the accountant's epsilon means a defect in the DP mechanism or its accounting."


def _gauge(gauge: BudgetGauge) -> Vertical:
    """A labelled bar: the share of the policy's epsilon spent (full and red when unbounded).
    With no limit set there is no share to show: the label alone."""
    label = Label(Text(f"{gauge.dataset}: {gauge.text}"), classes="budget-label")
    if not gauge.unbounded and gauge.max_epsilon is None:
        return Vertical(label, classes="budget")
    bar = ProgressBar(total=100, show_eta=False, classes="budget-bar")
    if gauge.unbounded:
        bar.progress = 100
        bar.add_class("over")
    elif gauge.max_epsilon is not None:
        share = (gauge.epsilon or 0.0) / gauge.max_epsilon
        bar.progress = min(100.0, 100 * share)
        if share > 1:
            bar.add_class("over")
    return Vertical(label, bar, classes="budget")


class PrivacyScreen(MedsumScreen):
    """What a compliance reviewer checks, read from the ledger and the audit log in a worker."""

    HOME = "#ledger"
    BINDINGS = [
        Binding("ctrl+r,f5", "refresh", "Refresh", id="privacy.refresh"),
        Binding("x", "focus_export", "Export report", id="privacy.export"),
    ]

    class Loaded(Message):
        """The backend answered."""

        def __init__(self, view: PrivacyView) -> None:
            """Carry the view."""
            super().__init__()
            self.view = view

    def compose(self) -> ComposeResult:
        """Gauges, the ledger, warnings, the audit line and the export box."""
        yield NavBar()
        with VerticalScroll(id="privacy"):
            yield Label("Privacy budget per dataset", classes="section")
            yield Vertical(id="gauges")
            yield Label("Runs ledger", classes="section")
            yield DataTable(id="ledger", cursor_type="row", zebra_stripes=True, classes="section-table")
            yield Label("Warnings and overrides", classes="section")
            yield Static("", id="flags")
            yield Static("", id="empirical")  # shown once a run has an empirical privacy audit
            yield Label("Audit log", classes="section")
            yield Static("", id="audit")
        yield Input(placeholder="export the compliance report to a .md or .json file, then Enter", id="report-path")
        yield Footer()

    def on_mount(self) -> None:
        """Columns, then load."""
        self.query_one("#empirical", Static).display = False
        self.query_one("#ledger", DataTable).add_columns(
            "run", "DP", "epsilon", "delta", "status", "steps", "unit", "dataset", "override")

    def shown(self) -> None:
        """Read the ledger again each time the screen shows (a run may have finished)."""
        self.action_refresh()

    def action_refresh(self) -> None:
        """Reload."""
        self.load()

    def runs_changed(self) -> None:
        """A run started or ended: its ledger entry changed."""
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="privacy")
    def load(self) -> None:
        """Ask the backend (blocking)."""
        self.post_message(self.Loaded(self.app.backend.privacy()))  # type: ignore[attr-defined]

    async def on_privacy_screen_loaded(self, message: Loaded) -> None:
        """Show the view."""
        view = message.view
        gauges = self.query_one("#gauges", Vertical)
        await gauges.remove_children()
        await gauges.mount_all([_gauge(g) for g in view.gauges] or [Label("(no dataset yet)")])
        # the figures first, so that they stay on screen at 80 columns beside a long run id
        rows: list[tuple[object, ...]] = [
            (run.run_id, "yes" if run.private else Text("NO", style="bold red"), run.epsilon, run.delta,
             run.status, str(run.steps), run.unit, run.dataset, run.override) for run in view.runs]
        fill_table(self.query_one("#ledger", DataTable), rows or [("(no run yet)", *[""] * 8)])
        self.query_one("#flags", Static).update(
            Text("\n".join(f"⚠ {f}" for f in view.flags), style="yellow") if view.flags else Text("None."))
        empirical = self.query_one("#empirical", Static)
        empirical.display = bool(view.audits)
        if view.audits:
            empirical.update(Text("Empirical privacy audits (lower bounds, not the true epsilon):\n"
                                  + "\n".join(view.audits) + "\n" + AUDIT_DEFECT,
                                  style="bold red" if any("DEFECT" in a for a in view.audits) else ""))
        self.query_one("#audit", Static).update(
            Text(("✓ " if view.audit_ok else "✗ ") + view.audit_text, style="green" if view.audit_ok else "bold red"))

    def action_focus_export(self) -> None:
        """Put the cursor in the export box."""
        self.query_one("#report-path", Input).focus()

    @on(Input.Submitted, "#report-path")
    def _export(self, event: Input.Submitted) -> None:
        if event.value.strip():
            confirm_export(self, event.value.strip(), self.export)
        self.focus_home()

    @work(thread=True, exclusive=True, exit_on_error=False, group="privacy-export")
    def export(self, path: str) -> None:
        """Write the report (blocking); the export itself is audited."""
        written = self.app.backend.export_compliance(path)  # type: ignore[attr-defined]
        self.post_message(Exported(written.path, written.sha256))

    def on_exported(self, message: Exported) -> None:
        """Say where it went, and show the audit entry the export added."""
        self.notify(f"Compliance report written to {message.path} (owner-only), sha256 {message.sha256}",
                    timeout=20)
        self.action_refresh()
