"""Dashboard screen: every section filled from the backend, warnings shown, refresh by key."""

from __future__ import annotations

import asyncio

from textual.widgets import DataTable, Static

from medsum_tui.tui.app import MedsumApp
from tests.tui.conftest import SIZE, row_text, settle
from tests.tui.fake_backend import FakeBackend


def test_dashboard_shows_every_section_and_refreshes(backend: FakeBackend) -> None:
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            screen = app.screen
            assert "/tmp/ws" in str(screen.query_one("#workspace", Static).render())
            assert "MEDSUM_KEYRING=cryptfile" in str(screen.query_one("#warnings", Static).render())
            rows = {name: row_text(screen.query_one(f"#{name}", DataTable), 0)
                    for name in ("datasets", "models", "runs", "budgets")}
            assert rows["datasets"][:3] == ["demo-n2000-s0", "2000", "1600/199/201"]
            assert rows["models"] == ["demo-tiny-t5", "t5", "1,234,567", "init-tiny"]
            assert rows["runs"][1:5] == ["finished", "600/600", "0.693", "0.3336"]  # figures before the long names
            assert rows["budgets"] == ["demo-n2000-s0", "unbounded (non-private run)", "no limit set", "-", "1"]
            await pilot.press("ctrl+r")
            await settle(app, pilot)
            assert [c for c, _ in backend.calls].count("dashboard") == 2
    asyncio.run(run())


def test_demo_import_from_the_dashboard_reports_each_stage(backend: FakeBackend) -> None:
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("i")
            await settle(app, pilot)
            assert ("demo_import", None) in backend.calls
            shown = [n.message for n in app._notifications]
            assert "synthesizing 2000 records" in shown and any("Demo data ready" in m for m in shown)
            assert [c for c, _ in backend.calls].count("dashboard") == 2  # refreshed after the import
    asyncio.run(run())
