"""Keys and focus across screens: Escape and finished exports give the screen its keys back, a
job's key is off while the job runs, an export never silently replaces a file, lists refresh
when runs change, and a search that matches nothing leaves no stale record behind."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Input, Static

from medsum_tui.tui.app import MedsumApp
from medsum_tui.tui.backend import SummarizerChoice
from medsum_tui.tui.dialogs import ConfirmDialog
from medsum_tui.tui.screens.base import RunsChanged
from medsum_tui.tui.screens.dashboard import DashboardScreen
from medsum_tui.tui.screens.privacy import PrivacyScreen
from medsum_tui.tui.screens.records import RecordsScreen
from medsum_tui.tui.screens.summarize import SummarizeScreen
from medsum_tui.tui.screens.train import TrainScreen
from tests.tui.conftest import SIZE, open_demo_dataset, settle
from tests.tui.fake_backend import FakeBackend


class _SlowImport(FakeBackend):
    """A demo import that waits until the test lets it go."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def demo_import(self, on_step) -> str:  # type: ignore[no-untyped-def]
        self.calls.append(("demo_import", None))
        self.release.wait(10)
        return "demo-n2000-s0"


async def _open_dataset(app: MedsumApp, pilot) -> RecordsScreen:  # type: ignore[no-untyped-def]
    screen = await open_demo_dataset(app, pilot)
    assert isinstance(screen, RecordsScreen)
    return screen


def test_escape_leaves_the_search_box_so_screen_keys_work_again(backend: FakeBackend) -> None:
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            screen = await _open_dataset(app, pilot)
            assert app.focused is screen.query_one("#records", DataTable)  # a picked source hands over to the list
            await pilot.press("slash", "s")
            assert screen.query_one("#search", Input).value == "s"  # typing in the box is text...
            await pilot.press("escape")
            assert app.focused is screen.query_one("#records", DataTable)
            await pilot.press("s")  # ...and after Escape, s is the screen key again
            await settle(app, pilot)
            assert isinstance(app.screen, SummarizeScreen)
    asyncio.run(run())


def test_a_search_hands_focus_to_the_list_and_no_match_clears_the_record(backend: FakeBackend) -> None:
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            screen = await _open_dataset(app, pilot)
            assert app.selected is not None and "cough" in str(screen.query_one("#deid", Static).render())
            await pilot.press("slash", *"nothing-like-this", "enter")
            await settle(app, pilot)
            assert app.focused is screen.query_one("#records", DataTable)
            assert screen.query_one("#records", DataTable).row_count == 0
            assert str(screen.query_one("#deid", Static).render()).strip() == ""
            assert app.selected is None  # Summarize must not offer a record the list no longer shows
    asyncio.run(run())


def test_export_gives_focus_back_and_asks_before_replacing_a_file(backend: FakeBackend, tmp_path: Path) -> None:
    existing = tmp_path / "report.md"
    existing.write_text("an earlier report\n", encoding="utf-8")

    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("p")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, PrivacyScreen)
            ledger = screen.query_one("#ledger", DataTable)
            box = screen.query_one("#report-path", Input)

            async def export_to(path: Path) -> None:
                await pilot.press("x")  # the box gets the cursor; the path is set, not typed key by key
                assert app.focused is box
                box.value = str(path)
                await pilot.press("enter")

            await export_to(tmp_path / "new.md")
            await settle(app, pilot)
            assert ("export_compliance", str(tmp_path / "new.md")) in backend.calls
            assert app.focused is ledger  # r, o and x are keys again, not text in the path box
            await export_to(existing)
            await pilot.pause()
            assert isinstance(app.screen, ConfirmDialog)
            await pilot.press("n")
            await settle(app, pilot)
            assert ("export_compliance", str(existing)) not in backend.calls
            assert app.focused is ledger  # back to the list after the dialog too
            await export_to(existing)
            await pilot.pause()
            await pilot.press("y")
            await settle(app, pilot)
            assert ("export_compliance", str(existing)) in backend.calls
    asyncio.run(run())


def test_a_jobs_key_is_off_while_the_job_runs() -> None:
    backend = _SlowImport()

    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("i")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            assert screen.check_action("demo_import", ()) is None  # dimmed in the footer
            await pilot.press("i")
            screen.action_demo_import()  # the palette's way in is refused too
            await pilot.pause()
            backend.release.set()
            await settle(app, pilot)
            assert screen.check_action("demo_import", ()) is True
        assert [c for c, _ in backend.calls].count("demo_import") == 1
    asyncio.run(run())


def test_runs_changed_refreshes_the_screen_on_view(backend: FakeBackend) -> None:
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            before = [c for c, _ in backend.calls].count("dashboard")
            app.post_message(RunsChanged())
            await settle(app, pilot)
            assert [c for c, _ in backend.calls].count("dashboard") == before + 1
            await pilot.press("s")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, SummarizeScreen)
            finished = SummarizerChoice("run", "run-new", "run run-new (just finished)")
            backend.summarizers = lambda: [*FakeBackend.summarizers(backend), finished]  # type: ignore[method-assign]
            app.post_message(RunsChanged())
            await settle(app, pilot)
            assert "run:run-new" in screen.choices
    asyncio.run(run())


def test_the_dashboard_reads_the_workspace_again_when_shown(backend: FakeBackend) -> None:
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert [c for c, _ in backend.calls].count("dashboard") == 1
            await pilot.press("r")
            await settle(app, pilot)
            await pilot.press("d")
            await settle(app, pilot)
            assert [c for c, _ in backend.calls].count("dashboard") == 2  # a finished run shows as finished
    asyncio.run(run())


def test_a_run_that_ends_while_another_screen_is_on_view_appears_there(backend: FakeBackend) -> None:
    finished = SummarizerChoice("run", "run-dp", "run run-dp (just finished)")
    asked: list[int] = []

    def summarizers() -> list[SummarizerChoice]:
        asked.append(1)
        ended = train.run_snapshot.ended
        return [*FakeBackend.summarizers(backend), *([finished] if ended else [])]

    async def run() -> None:
        nonlocal train
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("t")
            await settle(app, pilot)
            train = app.screen
            assert isinstance(train, TrainScreen)
            await pilot.press("l")
            await settle(app, pilot)
            await pilot.press("g")
            await settle(app, pilot)
            backend.summarizers = summarizers  # type: ignore[method-assign]
            await pilot.press("s")  # the run goes on while the user is on Summarize
            await settle(app, pilot)
            summarize = app.screen
            assert isinstance(summarize, SummarizeScreen) and "run:run-dp" not in summarize.choices
            for _ in range(40):
                if "run:run-dp" in summarize.choices:
                    break
                await asyncio.sleep(0.25)
                await pilot.pause()
            assert train.run_snapshot.ended
            assert "run:run-dp" in summarize.choices  # no restart, no second visit needed
    train: Any = None
    asyncio.run(run())
