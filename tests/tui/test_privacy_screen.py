"""Privacy screen: gauges per dataset, the ledger with non-private runs flagged, audit state, export."""

from __future__ import annotations

import asyncio

from textual.widgets import DataTable, ProgressBar, Static

from medsum_tui.tui.app import MedsumApp
from medsum_tui.tui.screens.privacy import PrivacyScreen
from tests.tui.conftest import SIZE, row_text, settle
from tests.tui.fake_backend import FakeBackend


def test_privacy_shows_budgets_ledger_audit_and_exports(backend: FakeBackend) -> None:
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("p")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, PrivacyScreen)
            bars = list(screen.query(ProgressBar))
            assert [b.progress for b in bars] == [25.0, 100.0]
            assert not bars[0].has_class("over") and bars[1].has_class("over")
            ledger = screen.query_one("#ledger", DataTable)
            assert ledger.row_count == 2
            assert row_text(ledger, 1)[1] == "NO"  # the DP column, beside the run id
            assert "non-private run run-plain" in str(screen.query_one("#flags", Static).render())
            assert "MAC chain intact" in str(screen.query_one("#audit", Static).render())
            await pilot.press("x", *"report.md", "enter")
            await settle(app, pilot)
            assert ("export_compliance", "report.md") in backend.calls
            assert [c for c, _ in backend.calls].count("privacy") == 2  # refreshed after the export
    asyncio.run(run())
