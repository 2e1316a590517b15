"""The app shell: screens by key and by palette, the help dialog, and worker errors as dialogs."""

from __future__ import annotations

import asyncio

from textual.widgets import DataTable

from medsum_tui.tui.app import MedsumApp
from medsum_tui.tui.dialogs import ConfirmDialog, ErrorDialog, HelpDialog
from medsum_tui.tui.screens.dashboard import DashboardScreen
from medsum_tui.tui.screens.records import RecordsScreen
from tests.tui.conftest import SIZE, settle
from tests.tui.fake_backend import FakeBackend


def test_keys_switch_screens_and_help_lists_binding_ids(backend: FakeBackend) -> None:
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert isinstance(app.screen, DashboardScreen)
            await pilot.press("r")
            await settle(app, pilot)
            assert isinstance(app.screen, RecordsScreen)
            await pilot.press("d")
            assert isinstance(app.screen, DashboardScreen)
            await pilot.press("question_mark")
            await pilot.pause()
            assert isinstance(app.screen, HelpDialog)
            ids = {row[2] for row in app.screen.rows}
            assert {"screen.dashboard", "screen.records", "app.help", "app.quit", "dashboard.refresh"} <= ids
            await pilot.press("escape")
            assert isinstance(app.screen, DashboardScreen)
    asyncio.run(run())


def test_palette_offers_every_screen_and_the_screen_commands(backend: FakeBackend) -> None:
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            titles = [c.title for c in app.get_system_commands(app.screen)]
            assert "Go to Dashboard" in titles and "Go to Records" in titles and "Refresh dashboard" in titles
            await app.switch_mode("records")
            await settle(app, pilot)
            titles = [c.title for c in app.get_system_commands(app.screen)]
            assert "Search records" in titles and "Open a local file" in titles
            next(c for c in app.get_system_commands(app.screen) if c.title == "Go to Dashboard").callback()
            await pilot.pause()
            assert isinstance(app.screen, DashboardScreen)
    asyncio.run(run())


def test_a_failing_worker_shows_a_one_line_error_and_the_app_lives_on() -> None:
    async def run() -> None:
        app = MedsumApp(FakeBackend(fail_with="workspace /tmp/ws is mode 0755, it must be 0700"))
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert isinstance(app.screen, ErrorDialog)
            assert app.screen.message == "workspace /tmp/ws is mode 0755, it must be 0700"
            await pilot.press("enter")
            assert isinstance(app.screen, DashboardScreen)
            await pilot.press("r")  # still usable
            await settle(app, pilot)
            assert isinstance(app.screen, RecordsScreen)
            assert app.screen.query_one("#records", DataTable) is not None
    asyncio.run(run())


def test_confirm_dialog_answers_yes_only_on_y_or_its_button(backend: FakeBackend) -> None:
    async def run() -> None:
        app = MedsumApp(backend)
        answers: list[bool | None] = []
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            for keys in (["enter"], ["escape"], ["n"], ["y"]):
                app.push_screen(ConfirmDialog("Cancel the run?"), answers.append)
                await pilot.pause()
                assert isinstance(app.screen, ConfirmDialog)
                await pilot.press(*keys)
                await pilot.pause()
                assert isinstance(app.screen, DashboardScreen)
        assert answers == [False, False, False, True]  # Enter presses the focused, safe button
    asyncio.run(run())
