"""Summarize screen: choose a run, summarize the record picked on Records, read the checks, export."""

from __future__ import annotations

import asyncio
import threading

from textual.widgets import DataTable, Label, Select, Static

from medsum_tui.tui.app import MedsumApp
from medsum_tui.tui.backend import RecordSource, SummarizerChoice, SummaryView
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


class _GatedBackend(FakeBackend):
    """A backend whose summaries wait until the test lets them finish, as a slow model would."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def summarize(self, source: RecordSource, record_id: str, choice: SummarizerChoice) -> SummaryView:
        """The fake summary, once released."""
        assert self.release.wait(10)
        return super().summarize(source, record_id, choice)


async def _pick(app: MedsumApp, pilot: object, row: int) -> None:
    """Select row ``row`` of the demo dataset on Records, then come back to Summarize."""
    await pilot.press("r")  # type: ignore[attr-defined]
    await settle(app, pilot)
    app.screen.query_one("#dataset", Select).value = "demo-n2000-s0"
    await settle(app, pilot)
    app.screen.query_one("#records", DataTable).move_cursor(row=row)
    await settle(app, pilot)
    await pilot.press("s")  # type: ignore[attr-defined]
    await settle(app, pilot)


async def _summarize_first_record(app: MedsumApp, pilot: object, *, wait: bool = True) -> SummarizeScreen:
    """Pick the first record, press ``s`` on Summarize and (``wait``) let the summary arrive."""
    await _pick(app, pilot, 0)
    screen = app.screen
    assert isinstance(screen, SummarizeScreen)
    await pilot.press("s")  # type: ignore[attr-defined]
    if wait:
        await settle(app, pilot)
    else:
        await pilot.pause()  # type: ignore[attr-defined]
    return screen


def _shown(screen: SummarizeScreen) -> str:
    return "".join(str(screen.query_one(pane, Static).render()) for pane in ("#summary", "#checks", "#provenance"))


def test_changing_the_record_clears_its_summary_and_flags(backend: FakeBackend) -> None:
    """Record A summarized, then record B picked: B's header never stands over A's summary."""
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            screen = await _summarize_first_record(app, pilot)
            assert "amoxicillin" in _shown(screen) and screen.view is not None
            await _pick(app, pilot, 1)
            assert app.screen is screen
            assert "r-000002" in str(screen.query_one("#selected-record", Label).render())
            assert _shown(screen).strip() == ""  # no summary, no flags, no provenance of record A
            assert screen.view is None
            await pilot.press("c")  # nothing to copy or export under record B
            await pilot.press("x", *"out.json", "enter")
            await settle(app, pilot)
            assert not any(call == "export" for call, _ in backend.calls)
    asyncio.run(run())


def test_a_summary_finishing_after_the_record_changed_is_dropped() -> None:
    """A's summary, still generating when B is picked, never appears under B's header."""
    backend = _GatedBackend()

    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            screen = await _summarize_first_record(app, pilot, wait=False)  # record A: the model still works
            await pilot.press("r")
            await pilot.pause()
            app.screen.query_one("#records", DataTable).move_cursor(row=1)
            await pilot.pause()
            await pilot.press("s")
            await pilot.pause()
            assert "r-000002" in str(screen.query_one("#selected-record", Label).render())
            backend.release.set()  # A's summary finishes now
            await settle(app, pilot)
            assert "amoxicillin" not in _shown(screen)
            assert screen.view is None and screen.summary_for is None
            source, record_id, _ = backend.calls[-1][1]  # type: ignore[misc]
            assert record_id == "r-000001"  # the summary that finished was A's
    asyncio.run(run())


def test_a_new_summary_clears_the_previous_flags_at_once(backend: FakeBackend) -> None:
    """While a new summary is generated, the previous summary's fidelity flags are not shown."""
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            screen = await _summarize_first_record(app, pilot)
            assert "hallucinated" in _shown(screen)
            screen.action_summarize()  # synchronously: the screen before the worker's answer
            assert "hallucinated" not in _shown(screen) and "Summarizing" in _shown(screen)
            await settle(app, pilot)
            assert "hallucinated" in _shown(screen)  # the new summary, for the same record
    asyncio.run(run())
