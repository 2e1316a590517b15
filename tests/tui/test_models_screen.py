"""Models screen: the store, verify with its result, import with progress."""

from __future__ import annotations

import asyncio

from textual.widgets import DataTable, Label, ProgressBar, Static

from medsum_tui.tui.app import MedsumApp
from medsum_tui.tui.screens.models import ModelsScreen
from tests.tui.conftest import SIZE, row_text, settle
from tests.tui.fake_backend import FakeBackend


def test_store_verify_and_import(backend: FakeBackend) -> None:
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("m")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, ModelsScreen)
            table = screen.query_one("#models-table", DataTable)
            assert row_text(table, 0) == ["demo-tiny-t5", "t5", "1,150,464", "init-tiny"]
            table.focus()
            await pilot.press("y")
            await settle(app, pilot)
            assert ("verify_model", "demo-tiny-t5") in backend.calls
            assert "model.safetensors: changed" in str(screen.query_one("#verify-result", Static).render())
            await pilot.press("n", *"/media/usb/bart", "tab", *"bart-ok", "enter")
            await settle(app, pilot)
            assert ("import_model", ("/media/usb/bart", "bart-ok")) in backend.calls
            assert "imported bart-ok" in str(screen.query_one("#import-stage", Label).render())
            bar = screen.query_one("#import-progress", ProgressBar)
            assert bar.progress == bar.total == 1
    asyncio.run(run())
