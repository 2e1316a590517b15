"""Evaluate screen: runs with their headline, a run's report beside the baselines, compare, evaluate."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from textual.widgets import DataTable, Label, Static

from medsum_tui.tui.app import MedsumApp
from medsum_tui.tui.dialogs import ConfirmDialog
from medsum_tui.tui.screens.evaluate import EvaluateScreen
from tests.tui.conftest import SIZE, row_text, settle
from tests.tui.fake_backend import FakeBackend


async def until(app: Any, pilot: Any, ready: Callable[[], bool], timeout: float = 5.0) -> None:
    """Let the screen poll the evaluation until ``ready`` holds (or fail after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.1)
        await settle(app, pilot, rounds=1)


def status(screen: EvaluateScreen) -> str:
    """The status line's text."""
    return str(screen.query_one("#eval-status", Label).render())


async def on_run_1(app: MedsumApp, pilot: Any) -> EvaluateScreen:
    """The Evaluate screen with run-1 (never evaluated) highlighted."""
    await pilot.press("e")
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, EvaluateScreen)
    screen.query_one("#eval-runs", DataTable).focus()
    await pilot.press("down")
    await settle(app, pilot)
    assert screen.current == "run-1"
    return screen


def test_reports_compare_and_evaluate(backend: FakeBackend) -> None:
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("e")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, EvaluateScreen)
            runs = screen.query_one("#eval-runs", DataTable)
            assert runs.row_count == 2 and row_text(runs, 0)[2] == "0.693"
            left = screen.query_one("#eval-left-table", DataTable)
            assert row_text(left, 1)[:4] == ["structured baseline", "0.723", "0.987", "0.951"]  # ROUGE-L, fidelity
            assert "does NOT beat" in str(screen.query_one("#eval-left-notes", Static).render())
            runs.focus()
            await pilot.press("c")  # run-2 to the right pane
            await pilot.press("down")  # highlight run-1: never evaluated
            await settle(app, pilot)
            assert row_text(screen.query_one("#eval-right-table", DataTable), 0)[:2] == ["model", "0.693"]
            assert "Not evaluated yet" in str(screen.query_one("#eval-left-notes", Static).render())
            await pilot.press("v")
            await until(app, pilot, lambda: "Evaluated run-1" in status(screen))
            assert ("evaluate", "run-1") in backend.calls
            assert left.row_count == 4  # the model and three baselines
            assert "does NOT beat" in str(screen.query_one("#eval-left-notes", Static).render())
    asyncio.run(run())


def test_progress_shows_the_pass_the_count_and_the_eta_at_80x24(backend: FakeBackend) -> None:
    backend.eval_chunks = 2  # model 48/201, then nothing more
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await on_run_1(app, pilot)
            await pilot.press("up")  # run-2 has a report: its headline stays in view while run-1 runs
            await settle(app, pilot)
            await pilot.press("down", "v")
            await until(app, pilot, lambda: "48/201" in status(screen))
            assert status(screen).startswith("model 48/201 · ETA 1 min 10 s")
            assert screen.query_one("#eval-status").region.height == 1
            await pilot.press("up")
            await settle(app, pilot)
            notes = screen.query_one("#eval-left-notes", Static)
            assert "ROUGE-L 0.693" in str(notes.render()) and notes.region.bottom <= 24
    asyncio.run(run())


def test_v_twice_starts_one_evaluation(backend: FakeBackend) -> None:
    backend.eval_chunks = 2
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            screen = await on_run_1(app, pilot)
            await pilot.press("v", "v")
            await until(app, pilot, lambda: "48/201" in status(screen))
            await pilot.press("v")
            await settle(app, pilot)
            assert backend.calls.count(("evaluate", "run-1")) == 1
            assert any("Already evaluating run run-1" in n.message for n in app._notifications)
    asyncio.run(run())


def test_cancel_asks_first_n_keeps_it_y_cancels(backend: FakeBackend) -> None:
    backend.eval_chunks = 2
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            screen = await on_run_1(app, pilot)
            await pilot.press("v")
            await until(app, pilot, lambda: "48/201" in status(screen))
            await pilot.press("k")
            await settle(app, pilot)
            assert isinstance(app.screen, ConfirmDialog)
            await pilot.press("n")
            await settle(app, pilot)
            assert ("cancel_evaluation", "run-1") not in backend.calls and screen.job is not None
            await pilot.press("k")
            await settle(app, pilot)
            await pilot.press("y")
            await until(app, pilot, lambda: "cancelled" in status(screen))
            assert ("cancel_evaluation", "run-1") in backend.calls and screen.job is None
            assert "Not evaluated yet" in str(screen.query_one("#eval-left-notes", Static).render())
            await pilot.press("v")  # the key is free again
            await settle(app, pilot)
            assert backend.calls.count(("evaluate", "run-1")) == 2
    asyncio.run(run())


def test_re_evaluating_a_run_with_a_report_asks_first(backend: FakeBackend) -> None:
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("e")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, EvaluateScreen) and screen.current == "run-2"
            await pilot.press("v")
            await settle(app, pilot)
            dialog = app.screen
            assert isinstance(dialog, ConfirmDialog)
            assert dialog.question == ("Run run-2 already has a report from 2026-11-23 06:10:00 UTC; "
                                       "evaluate again and replace it?")
            await pilot.press("n")
            await settle(app, pilot)
            assert ("evaluate", "run-2") not in backend.calls and screen.evaluating is None
            await pilot.press("v")
            await settle(app, pilot)
            await pilot.press("y")
            await until(app, pilot, lambda: "Evaluated run-2" in status(screen))
            assert backend.calls.count(("evaluate", "run-2")) == 1
    asyncio.run(run())


def test_q_during_an_evaluation_quits_within_a_second_and_cancels_it(backend: FakeBackend) -> None:
    backend.eval_chunks = 2  # the evaluation never ends by itself
    elapsed: dict[str, float] = {}
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            screen = await on_run_1(app, pilot)
            await pilot.press("v")
            await until(app, pilot, lambda: "48/201" in status(screen))
            started = time.monotonic()
            await pilot.press("q")
            await asyncio.wait_for(app._task, timeout=1.0)  # type: ignore[arg-type]
            elapsed["q"] = time.monotonic() - started
    asyncio.run(run())
    assert elapsed["q"] < 1.0
    assert ("cancel_evaluation", "run-1") in backend.calls
