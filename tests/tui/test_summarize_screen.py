"""Summarize screen: choose a run, summarize the record picked on Records, read the checks, export."""

from __future__ import annotations

import asyncio

from textual.widgets import Label, Select, Static

from medsum_tui.tui.app import MedsumApp
from medsum_tui.tui.backend import RecordSource
from medsum_tui.tui.screens.summarize import SummarizeScreen
from tests.tui.conftest import SIZE, settle
from tests.tui.fake_backend import FakeBackend


def test_summarize_the_record_picked_on_records(backend: FakeBackend) -> None:
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("s")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, SummarizeScreen)
            assert "No record selected" in str(screen.query_one("#selected-record", Label).render())
            await pilot.press("s")  # nothing selected: a warning, no call
            await settle(app, pilot)
            assert not any(c == "summarize" for c, _ in backend.calls)
            # pick a record on the Records screen, come back
            await pilot.press("r")
            await settle(app, pilot)
            app.screen.query_one("#dataset", Select).value = "demo-n2000-s0"
            await settle(app, pilot)
            await pilot.press("s")
            await settle(app, pilot)
            assert app.screen is screen
            assert "r-000001 of demo-n2000-s0 (test)" in str(screen.query_one("#selected-record", Label).render())
            assert screen.query_one("#summarizer", Select).value == "run:run-1"  # the newest run
            await pilot.press("s")
            await settle(app, pilot)
            source, record_id, choice = backend.calls[-1][1]  # type: ignore[misc]
            assert (source, record_id, choice.name) == (RecordSource("dataset", "demo-n2000-s0", "test"), "r-000001",
                                                        "run-1")
            assert "amoxicillin 500 mg" in str(screen.query_one("#summary", Static).render())
            checks = str(screen.query_one("#checks", Static).render())
            assert "hallucinated): amoxicillin" in checks and "omitted): asthma" in checks
            assert "no new identifier" in checks
            assert not screen.query_one("#working").display
            await pilot.press("x", *"out.json", "enter")
            await settle(app, pilot)
            assert backend.calls[-1] == ("export", ("r-000001", "out.json"))
    asyncio.run(run())
