"""Train screen: the form, the pre-flight before Start, a followed run, Cancel, and reattaching."""

from __future__ import annotations

import asyncio

from textual.widgets import (
    Button,
    Input,
    Label,
    ProgressBar,
    Select,
    Sparkline,
    Static,
    Switch,
)

from medsum_tui.tui.app import MedsumApp
from medsum_tui.tui.screens.train import TrainScreen
from medsum_tui.tui.train_state import RunSnapshot, fold_events
from medsum_tui.tui.training import TrainingHandle
from tests.tui.conftest import SIZE, settle
from tests.tui.fake_backend import RUN_EVENTS, FakeBackend


def test_fold_events_follows_a_dp_run() -> None:
    snap = RunSnapshot()
    for chunk in RUN_EVENTS[:2]:
        snap = fold_events(snap, chunk)
    assert (snap.run_id, snap.status, snap.step, snap.total_steps, snap.losses) == ("run-dp", "running", 2, 4,
                                                                                    (3.0, 2.5))
    assert (snap.epsilon, snap.epsilon_planned) == (1.2, 2.0) and not snap.ended
    for chunk in RUN_EVENTS[2:]:
        snap = fold_events(snap, chunk)
    assert snap.ended and snap.status == "finished" and snap.val_loss == 2.4 and snap.epsilon == 1.95


async def _wait_until(app: MedsumApp, pilot: object, check, rounds: int = 40) -> None:
    for _ in range(rounds):
        await settle(app, pilot, 1)
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the screen never got there")


def test_plan_then_start_dp_run_and_follow_it_to_the_end(backend: FakeBackend) -> None:
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("t")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, TrainScreen)
            assert screen.query_one("#train-dataset", Select).value == "demo-n2000-s0"
            assert screen.query_one("#start-button", Button).disabled  # no plan yet
            screen.query_one("#train-dp", Switch).value = True
            screen.query_one("#train-epsilon", Input).value = "2"
            await settle(app, pilot)
            await pilot.press("g")  # Start before a plan: refused with a notice
            await settle(app, pilot)
            assert not any(c == "start" for c, _ in backend.calls)
            await pilot.press("l")
            await settle(app, pilot)
            form = backend.calls[-1][1]
            assert form.dp and form.target_epsilon == 2.0 and form.epochs == 3  # type: ignore[attr-defined]
            assert "epsilon 2.000" in str(screen.query_one("#plan", Static).render())
            assert not screen.query_one("#start-button", Button).disabled
            await pilot.press("g")
            await _wait_until(app, pilot, lambda: screen.run_snapshot.ended)
            assert "finished, step 4/4" in str(screen.query_one("#run-status", Label).render())
            assert screen.query_one("#run-progress", ProgressBar).progress == 4
            assert screen.query_one("#loss", Sparkline).data == [3.0, 2.5, 2.1, 1.9]
            meter = screen.query_one("#epsilon", ProgressBar)
            assert (meter.total, meter.progress) == (2.0, 1.95)
            assert screen.query_one("#cancel-button", Button).disabled
    asyncio.run(run())


def test_a_refused_plan_keeps_start_disabled_and_a_change_needs_a_new_plan() -> None:
    backend = FakeBackend(refuse_plan=True)

    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("t")
            await settle(app, pilot)
            screen = app.screen
            await pilot.press("l")
            await settle(app, pilot)
            assert "refuses this run" in str(screen.query_one("#plan", Static).render())
            assert screen.query_one("#start-button", Button).disabled
            backend.refuse_plan = False
            await pilot.press("l")
            await settle(app, pilot)
            assert not screen.query_one("#start-button", Button).disabled
            screen.query_one("#train-epochs", Input).value = "5"
            await settle(app, pilot)
            assert screen.query_one("#start-button", Button).disabled
    asyncio.run(run())


def test_reopening_reattaches_to_a_running_run_and_cancel_interrupts_it() -> None:
    backend = FakeBackend(still_running=[TrainingHandle(777, "runs/run-dp/events.jsonl", "run-dp")], chunks=2)

    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("t")
            await _wait_until(app, pilot, lambda: app.screen.run_snapshot.step >= 1)
            screen = app.screen
            assert screen.run_handle.run_id == "run-dp"
            await pilot.press("x")
            await settle(app, pilot)
            assert ("cancel", 777) in backend.calls and not screen.run_snapshot.ended
            assert "running, step 2/4" in str(screen.query_one("#run-status", Label).render())
    asyncio.run(run())
