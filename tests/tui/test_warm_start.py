"""The app opens at once and warms up behind the first screen: a background thread imports
what summaries need, and the Summarize screen loads the chosen summarizer before the first ``s``."""

from __future__ import annotations

import asyncio
import threading

from textual.widgets import Select

from medsum_tui.tui.app import MedsumApp
from medsum_tui.tui.backend import SummarizerChoice
from medsum_tui.tui.screens.dashboard import DashboardScreen
from tests.tui.conftest import SIZE, settle
from tests.tui.fake_backend import FakeBackend


def test_the_first_screen_does_not_wait_for_the_background_import() -> None:
    gate = threading.Event()  # the "import" lasts until the test opens the gate
    backend = FakeBackend(preload_gate=gate)

    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert isinstance(app.screen, DashboardScreen)
            assert app.screen.query_one("#datasets").is_mounted
            thread = app.preload_thread
            assert thread is not None and thread.daemon and thread.is_alive()  # still importing
            assert backend.warmed == [("preload", None)]
            await pilot.press("r")  # the app still answers keys meanwhile
            await settle(app, pilot)
            assert app.current_mode == "records"
            gate.set()
            thread.join(timeout=10)
            assert backend.warmed == [("preload", None), ("preloaded", None)]
            assert app.preload_thread is thread  # started once
    try:
        asyncio.run(run())
    finally:
        gate.set()


def test_a_failed_preload_is_no_crash() -> None:
    class Failing(FakeBackend):
        def preload(self) -> None:
            raise RuntimeError("no torch here")

    async def run() -> None:
        app = MedsumApp(Failing())
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert app.preload_thread is not None
            app.preload_thread.join(timeout=10)
            assert isinstance(app.screen, DashboardScreen) and len(app.screen_stack) == 1  # no error dialog
    asyncio.run(run())


def test_the_summarize_screen_warms_the_chosen_summarizer(backend: FakeBackend) -> None:
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("s")
            await settle(app, pilot)
            run_1 = SummarizerChoice("run", "run-1", "run run-1 (demo-tiny-t5 on demo-n2000-s0)")
            assert ("warm", run_1) in backend.warmed  # the preselected newest run, before any "s"
            assert not any(c == "summarize" for c, _ in backend.calls)
            app.screen.query_one("#summarizer", Select).value = "model:demo-tiny-t5"
            await settle(app, pilot)
            assert backend.warmed[-1] == ("warm", SummarizerChoice("model", "demo-tiny-t5", "model demo-tiny-t5"))
    asyncio.run(run())
