"""The MedSum Textual app: screens as modes, keys with ids, palette commands, one error dialog."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from medsum_tui.tui.backend import Backend, RecordSource
from medsum_tui.tui.dialogs import HelpDialog
from medsum_tui.tui.screens.base import MedsumScreen, RunsChanged
from medsum_tui.tui.screens.dashboard import DashboardScreen
from medsum_tui.tui.screens.evaluate import EvaluateScreen
from medsum_tui.tui.screens.models import ModelsScreen
from medsum_tui.tui.screens.privacy import PrivacyScreen
from medsum_tui.tui.screens.records import RecordsScreen
from medsum_tui.tui.screens.summarize import SummarizeScreen
from medsum_tui.tui.screens.train import TrainScreen

__all__ = ["SCREENS", "MedsumApp"]

_log = logging.getLogger(__name__)

#: mode name -> (key, title, what it is for)
SCREENS: dict[str, tuple[str, str, str]] = {
    "dashboard": ("d", "Dashboard", "Workspace, datasets, models, runs, budgets and doctor warnings"),
    "records": ("r", "Records", "Browse and search a dataset or a local file; raw and de-identified views"),
    "summarize": ("s", "Summarize", "Summarize the selected record with a run or model; fidelity and PHI checks"),
    "train": ("t", "Train", "Plan and start a run (LoRA, DP with a target epsilon), follow it live, cancel it"),
    "evaluate": ("e", "Evaluate", "Report tables per run beside the baselines; compare two runs; evaluate a run"),
    "models": ("m", "Models", "The model store: import a checkpoint with its progress, verify a model"),
    "privacy": ("p", "Privacy", "Budgets per dataset, the runs ledger, the audit chain; export the compliance report"),
}


class MedsumApp(App[None]):
    """The TUI. All blocking work runs in workers that post messages; any failure becomes a dialog."""

    TITLE = "MedSum"
    SUB_TITLE = "offline clinical summarization"
    CSS_PATH = "medsum.tcss"
    MODES = {"dashboard": DashboardScreen, "records": RecordsScreen, "summarize": SummarizeScreen,
             "train": TrainScreen, "evaluate": EvaluateScreen, "models": ModelsScreen,
             "privacy": PrivacyScreen}
    DEFAULT_MODE = "dashboard"
    NAV = {mode: (key, title) for mode, (key, title, _) in SCREENS.items()}  # what the NavBar shows
    BINDINGS = [
        # The screen keys are on the top line (NavBar), so the footer keeps room for the screen's own.
        *(Binding(key, f"switch_mode('{mode}')", title, show=False, id=f"screen.{mode}")
          for mode, (key, title, _) in SCREENS.items()),
        Binding("question_mark,f1", "help", "Keys", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("escape", "focus_home", "Back to the list", show=False, id="app.focus_home"),
    ]

    def __init__(self, backend: Backend) -> None:
        """``backend`` answers every question the screens ask (a fake one in tests)."""
        super().__init__()
        self.backend = backend
        self.selected: tuple[RecordSource, str] | None = None  # the record picked on the Records screen
        self.preload_thread: threading.Thread | None = None

    def on_mount(self) -> None:
        """Once the first screen is painted, start importing what summaries need (torch,
        transformers, peft, the newest model) in a background thread: the screen never waits."""
        self.call_after_refresh(self._start_preload)

    def _start_preload(self) -> None:
        if self.preload_thread is None:
            # A daemon thread, not a worker: it only imports and loads, touches no widget, and
            # must never keep the process alive after quit.
            self.preload_thread = threading.Thread(target=self._preload, name="medsum-preload", daemon=True)
            self.preload_thread.start()

    def _preload(self) -> None:
        try:
            self.backend.preload()
        except Exception as exc:  # noqa: BLE001  (the first summary loads what it needs and reports why not)
            _log.info("background preload stopped (%s); the first summary loads what it needs", type(exc).__name__)
        if getattr(self.backend, "gpu_check_pending", False):
            # The dashboard's doctor check left a GPU build's GPUs for when torch is loaded: now.
            try:
                self.call_from_thread(self._recheck_gpus)
            except RuntimeError:  # the app has closed meanwhile
                pass

    def _recheck_gpus(self) -> None:
        if isinstance(self.screen, DashboardScreen):
            self.screen.action_refresh()  # reads the workspace again, doctor checks included

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Palette commands: every screen, then what the current screen offers, then Textual's own."""
        for mode, (_, title, help_text) in SCREENS.items():
            yield SystemCommand(f"Go to {title}", help_text, lambda mode=mode: self.switch_mode(mode))
        if isinstance(screen, DashboardScreen):
            yield SystemCommand("Refresh dashboard", "Read the workspace again", screen.action_refresh)
            yield SystemCommand("Import the demo data", "Synthesize 2,000 records, import them de-identified, "
                                "build the tiny model", screen.action_demo_import)
        if isinstance(screen, RecordsScreen):
            yield SystemCommand("Search records", "Filter the list by id or text", screen.action_focus_search)
            yield SystemCommand("Open a local file", "Browse a .json or .jsonl file of records",
                                screen.action_focus_file)
        if isinstance(screen, SummarizeScreen):
            yield SystemCommand("Summarize the selected record", "Generate with the chosen run or model",
                                screen.action_summarize)
            yield SystemCommand("Copy the summary", "To the clipboard", screen.action_copy)
        if isinstance(screen, TrainScreen):
            yield SystemCommand("Plan the run", "Pre-flight: planned epsilon and the budget check", screen.action_plan)
            yield SystemCommand("Start the planned run", "A detached child process", screen.action_start)
            yield SystemCommand("Cancel the run", "Interrupt it; its spend is settled", screen.action_cancel)
        if isinstance(screen, EvaluateScreen):
            yield SystemCommand("Evaluate the highlighted run", "ROUGE, fidelity and PHI scan beside the baselines",
                                screen.action_evaluate)
            yield SystemCommand("Compare with the highlighted run", "Its report in the right pane",
                                screen.action_compare)
        if isinstance(screen, ModelsScreen):
            yield SystemCommand("Verify the highlighted model", "Re-hash it against its manifest", screen.action_verify)
            yield SystemCommand("Import a checkpoint", "A local BART/T5 directory", screen.action_focus_import)
        if isinstance(screen, PrivacyScreen):
            yield SystemCommand("Export the compliance report", "Markdown or JSON, audited", screen.action_focus_export)
        yield from super().get_system_commands(screen)

    def action_focus_home(self) -> None:
        """Escape: leave a text box or picker and give the screen its keys back."""
        if isinstance(self.screen, MedsumScreen):
            self.screen.focus_home()

    def on_runs_changed(self, message: RunsChanged) -> None:
        """A run started, ended or was evaluated: the screen on view lists its runs again (the
        others read them when they are shown)."""
        if isinstance(self.screen, MedsumScreen):
            self.screen.runs_changed()

    def action_help(self) -> None:
        """The keys of the app and the current screen."""
        rows = []
        for active in self.active_bindings.values():
            binding = active.binding
            if binding.show or binding.id:
                rows.append((self.get_key_display(binding), binding.description or binding.action, binding.id or ""))
        self.push_screen(HelpDialog(sorted(set(rows))))
