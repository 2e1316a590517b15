"""Dashboard: the workspace, its datasets, models, runs, privacy budgets and doctor warnings."""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Label, Static

from medsum_tui.tui.backend import Dashboard
from medsum_tui.tui.navbar import NavBar
from medsum_tui.tui.screens.base import MedsumScreen
from medsum_tui.tui.tables import fill_table

__all__ = ["DashboardScreen"]

RUNNING_REFRESH_S = 5.0  # how often the dashboard reads the workspace while a run is going


def _loss(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


class DashboardScreen(MedsumScreen):
    """What is in the workspace, at a glance. Refreshes in a worker; the UI never waits: each time
    it is shown, when a run starts or ends, and every few seconds while a run is going (a run
    started from the command line included)."""

    HOME = "#datasets"
    JOBS = {"demo_import": "dashboard-demo"}
    BINDINGS = [
        Binding("ctrl+r,f5", "refresh", "Refresh", id="dashboard.refresh"),
        Binding("i", "demo_import", "Import demo data", id="dashboard.demo_import"),
    ]

    class Step(Message):
        """A stage of the demo import began."""

        def __init__(self, text: str) -> None:
            """Carry what is happening."""
            super().__init__()
            self.text = text

    class Loaded(Message):
        """The backend answered."""

        def __init__(self, dashboard: Dashboard) -> None:
            """Carry the dashboard values to the UI thread."""
            super().__init__()
            self.dashboard = dashboard

    def __init__(self) -> None:
        """No refresh timer until a run is seen going."""
        super().__init__()
        self.run_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        """Sections, each a label and a table."""
        yield NavBar()
        with VerticalScroll(id="dashboard"):
            yield Static("Loading the workspace…", id="workspace")
            yield Static("", id="warnings")
            for name, title in (("datasets", "Datasets"), ("models", "Models"), ("runs", "Runs"),
                                ("budgets", "Privacy budgets")):
                yield Label(title, classes="section")
                yield DataTable(id=name, cursor_type="row", zebra_stripes=True, classes="section-table")
        yield Footer()

    def on_mount(self) -> None:
        """Set the columns, then load."""
        columns = {
            "datasets": ("name", "records", "train/val/test", "strategy", "PHI found", "residual"),
            "models": ("name", "family", "parameters", "source"),
            "runs": ("run", "status", "step", "ROUGE-L", "best val loss", "dataset", "model"),
            "budgets": ("dataset", "spent", "policy", "within", "non-private runs"),
        }
        for name, cols in columns.items():
            self.query_one(f"#{name}", DataTable).add_columns(*cols)

    def shown(self) -> None:
        """Read the workspace each time the screen shows (the first time included)."""
        self.load()

    def runs_changed(self) -> None:
        """A run started or ended: read the workspace again."""
        self.load()

    def action_refresh(self) -> None:
        """Reload everything from the workspace."""
        self.load()

    def action_demo_import(self) -> None:
        """Synthesize the demo corpus, import it (redacted) and build the tiny model, in a worker
        (off while one is running)."""
        if self.busy("dashboard-demo"):
            self.notify("The demo import is already running.", severity="warning")
            return
        self.demo_import()

    @work(thread=True, exclusive=True, exit_on_error=False, group="dashboard-demo")
    def demo_import(self) -> None:
        """The import (blocking, about a minute on 2 cores); each stage is posted as it starts."""
        name = self.app.backend.demo_import(lambda text: self.post_message(self.Step(text)))  # type: ignore[attr-defined]
        self.post_message(self.Step(f"Demo data ready: dataset {name}. Train it on the Train screen (t)."))
        self.load()

    def on_dashboard_screen_step(self, message: Step) -> None:
        """Show the stage."""
        self.notify(message.text, title="Demo data")

    @work(thread=True, exclusive=True, exit_on_error=False, group="dashboard")
    def load(self) -> None:
        """Ask the backend (blocking) and post the answer."""
        self.post_message(self.Loaded(self.app.backend.dashboard()))  # type: ignore[attr-defined]

    def on_dashboard_screen_loaded(self, message: Loaded) -> None:
        """Show the answer."""
        data = message.dashboard
        state = "" if data.initialized else "  (not initialized: press i to import the demo data, or medsum init)"
        self.query_one("#workspace", Static).update(
            f"Workspace [b]{escape(data.workspace)}[/b] (from {data.workspace_source}){state}")
        warnings = "\n".join(f"⚠ {w}" for w in data.warnings)
        self.query_one("#warnings", Static).update(Text(warnings or "Doctor: every check passed."))
        self._fill("datasets", [(d.name, str(d.records), "/".join(str(d.splits.get(s, 0)) for s in
                                                                   ("train", "validation", "test")),
                                 d.strategy, str(d.phi_found), str(d.residual)) for d in data.datasets])
        self._fill("models", [(m.name, m.family, f"{m.parameters:,}", m.source) for m in data.models])
        self._fill("runs", [(r.run_id, r.status, f"{r.step}/{r.total_steps}" if r.total_steps else str(r.step),
                             "-" if r.rouge_l is None else f"{r.rouge_l:.3f}", _loss(r.best_val_loss),
                             r.dataset, r.model) for r in data.runs])
        self._watch_runs(any(r.status == "running" for r in data.runs))
        self._fill("budgets", [(b.dataset, b.spent, b.limit, {True: "yes", False: "NO", None: "-"}[b.within],
                                str(b.non_private_runs)) for b in data.budgets])

    def _watch_runs(self, running: bool) -> None:
        """While a run is going, read the workspace again every few seconds; stop once none is."""
        if running and self.run_timer is None:
            self.run_timer = self.set_interval(RUNNING_REFRESH_S, self.load)
        elif not running and self.run_timer is not None:
            self.run_timer.stop()
            self.run_timer = None

    def _fill(self, name: str, rows: list[tuple[str, ...]]) -> None:
        table = self.query_one(f"#{name}", DataTable)
        fill_table(table, rows or [("(none)", *[""] * (len(table.columns) - 1))])
