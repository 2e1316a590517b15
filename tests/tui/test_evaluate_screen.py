"""Evaluate screen: runs with their headline, a run's report beside the baselines, compare, evaluate."""

from __future__ import annotations

import asyncio

from textual.widgets import DataTable, Label, Static

from medsum_tui.tui.app import MedsumApp
from medsum_tui.tui.screens.evaluate import EvaluateScreen
from tests.tui.conftest import SIZE, settle
from tests.tui.fake_backend import FakeBackend


def test_reports_compare_and_evaluate(backend: FakeBackend) -> None:
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("e")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, EvaluateScreen)
            runs = screen.query_one("#eval-runs", DataTable)
            assert runs.row_count == 2 and runs.get_row_at(0)[4] == "0.693"
            left = screen.query_one("#eval-left-table", DataTable)
            assert left.get_row_at(1) == ["structured baseline", "0.723"]
            assert "does NOT beat" in str(screen.query_one("#eval-left-notes", Static).render())
            runs.focus()
            await pilot.press("c")  # run-2 to the right pane
            await pilot.press("down")  # highlight run-1: never evaluated
            await settle(app, pilot)
            assert screen.query_one("#eval-right-table", DataTable).get_row_at(0) == ["model", "0.693"]
            assert "Not evaluated yet" in str(screen.query_one("#eval-left-notes", Static).render())
            await pilot.press("v")
            await settle(app, pilot)
            assert ("evaluate", "run-1") in backend.calls
            assert "Evaluated run-1" in str(screen.query_one("#eval-status", Label).render())
            assert left.row_count == 2
    asyncio.run(run())
