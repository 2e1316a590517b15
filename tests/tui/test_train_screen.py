"""Train screen: the form, the pre-flight before Start, a followed run, Cancel, and reattaching."""

from __future__ import annotations

import asyncio

from textual.widgets import (
    Button,
    Checkbox,
    Input,
    Label,
    ProgressBar,
    Select,
    Sparkline,
    Static,
)

from medsum_tui.tui.app import MedsumApp
from medsum_tui.tui.dialogs import ConfirmDialog
from medsum_tui.tui.screens.base import RunsChanged
from medsum_tui.tui.screens.train import TrainScreen
from medsum_tui.tui.train_state import RunSnapshot, fold_events
from medsum_tui.tui.training import TrainForm, TrainingHandle, train_arguments
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
            screen.query_one("#train-dp", Checkbox).value = True
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
            await pilot.press("x")  # x is export elsewhere; on Train it does nothing
            await settle(app, pilot)
            assert app.screen is screen and ("cancel", 777) not in backend.calls
            await pilot.press("k")  # asks first; n keeps the run
            await settle(app, pilot)
            assert isinstance(app.screen, ConfirmDialog)
            assert "Cancel run run-dp? Its spend so far is settled." in str(
                app.screen.query_one("#confirm-question", Label).render())
            await pilot.press("n")
            await settle(app, pilot)
            assert app.screen is screen and ("cancel", 777) not in backend.calls
            await pilot.press("k", "y")  # y cancels
            await settle(app, pilot)
            assert ("cancel", 777) in backend.calls and not screen.run_snapshot.ended
            assert "running, step 2/4" in str(screen.query_one("#run-status", Label).render())
    asyncio.run(run())


def test_the_cancel_button_asks_too() -> None:
    backend = FakeBackend(still_running=[TrainingHandle(777, "runs/run-dp/events.jsonl", "run-dp")], chunks=2)

    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("t")
            await _wait_until(app, pilot, lambda: app.screen.run_snapshot.step >= 1)
            screen = app.screen
            assert not screen.query_one("#cancel-button", Button).disabled
            screen.query_one("#cancel-button", Button).press()
            await settle(app, pilot)
            assert isinstance(app.screen, ConfirmDialog) and ("cancel", 777) not in backend.calls
            await pilot.press("escape")
            await settle(app, pilot)
            assert ("cancel", 777) not in backend.calls
    asyncio.run(run())


def test_labels_stay_visible_when_the_fields_are_filled(backend: FakeBackend) -> None:
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("t")
            await settle(app, pilot)
            screen = app.screen
            for widget_id, text in (("#train-lora-r", "32"), ("#train-epochs", "4"), ("#train-batch-size", "16"),
                                    ("#train-target-len", "128"), ("#train-max-steps", "40")):
                screen.query_one(widget_id, Input).value = text
            await settle(app, pilot)
            labels = [str(label.render()) for label in screen.query(".field-label").results(Label)]
            assert labels == ["Dataset", "Model", "Full tune", "LoRA r", "Epochs", "Max steps", "Batch size",
                              "Target length", "DP", "Target ε", "Delta", "Privacy unit", "Override reason"]
            for label in screen.query(".field-label").results(Label):
                assert label.display and label.region.width > 0  # laid out, beside its filled field
            assert screen.query_one("#plan").region.height > 0  # the plan is on screen at 80x24 too
    asyncio.run(run())


def test_the_new_fields_reach_the_form_and_the_child_command(backend: FakeBackend) -> None:
    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("t")
            await settle(app, pilot)
            screen = app.screen
            screen.query_one("#train-batch-size", Input).value = "4"
            screen.query_one("#train-target-len", Input).value = "128"
            screen.query_one("#train-dp", Checkbox).value = True
            screen.query_one("#train-epsilon", Input).value = "3"
            screen.query_one("#train-privacy-unit", Select).value = "patient"
            await settle(app, pilot)
            screen.query_one("#train-dataset", Select).focus()
            await pilot.press("l")
            await settle(app, pilot)
            form = backend.calls[-1][1]
            assert (form.batch_size, form.max_target_len, form.privacy_unit, form.target_epsilon) == (
                4, 128, "patient", 3.0)
            assert "longer than the target length 128" in str(screen.query_one("#plan", Static).render())
            args = train_arguments(form)
            assert args[args.index("--batch-size") + 1] == "4"
            assert args[args.index("--max-target-len") + 1] == "128"
            assert args[args.index("--privacy-unit") + 1] == "patient"
    asyncio.run(run())


def test_train_arguments_are_options_medsum_train_accepts() -> None:
    import typer

    import medsum_tui.cli.train_cmd  # noqa: F401 - registers `medsum train`
    from medsum_tui.cli.app import app as cli

    command = typer.main.get_command(cli).commands["train"]  # type: ignore[attr-defined]
    accepted = {opt: param for param in command.params if param.param_type_name == "option"
                for opt in param.opts}
    form = TrainForm(dataset="notes", model="tiny", full=True, lora_r=8, epochs=2, max_steps=40, batch_size=4,
                     max_target_len=96, dp=True, target_epsilon=3.0, delta=1e-6, privacy_unit="patient",
                     override_reason="IRB 2026-117")
    args = train_arguments(form)
    flags = [a for a in args if a.startswith("--")]
    assert set(flags) <= set(accepted), set(flags) - set(accepted)
    assert {"--batch-size", "--max-target-len", "--privacy-unit", "--override-budget", "--dp", "--delta"} <= set(flags)
    ctx = command.make_context("train", list(args))  # the CLI parses the TUI's command line as given
    assert (ctx.params["batch_size"], ctx.params["max_target_len"], ctx.params["privacy_unit"],
            ctx.params["override_budget"], ctx.params["target_epsilon"]) == (4, 96, "patient", "IRB 2026-117", 3.0)
    blank = train_arguments(TrainForm(dataset="notes", model="tiny", override_reason="   "))
    assert "--override-budget" not in blank  # a blank reason is no override


def test_a_refusal_names_its_fixes_and_an_override_needs_a_reason() -> None:
    backend = FakeBackend(refuse_plan=True)

    async def run() -> None:
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("t")
            await settle(app, pilot)
            screen = app.screen
            await pilot.press("l")
            await settle(app, pilot)
            plan = str(screen.query_one("#plan", Static).render())
            assert "refuses this run" in plan and "at most 1.4" in plan and "Override reason" in plan
            assert screen.query_one("#start-button", Button).disabled
            screen.query_one("#train-override", Input).value = "   "  # blank: no override
            await settle(app, pilot)
            screen.query_one("#train-dataset", Select).focus()
            await pilot.press("l")
            await settle(app, pilot)
            assert backend.calls[-1][1].override_reason is None
            assert screen.query_one("#start-button", Button).disabled
            screen.query_one("#train-override", Input).value = "IRB approval 2026-117"
            await settle(app, pilot)
            screen.query_one("#train-dataset", Select).focus()
            await pilot.press("l")
            await settle(app, pilot)
            assert "overrides it with your reason" in str(screen.query_one("#plan", Static).render())
            assert not screen.query_one("#start-button", Button).disabled
            await pilot.press("g")
            await settle(app, pilot)
            started = [f for c, f in backend.calls if c == "start"]
            assert started and started[0].override_reason == "IRB approval 2026-117"
    asyncio.run(run())


def test_start_is_a_no_op_while_a_run_goes_and_runs_changed_is_posted(backend: FakeBackend) -> None:
    backend.chunks = 2  # the run stays going

    async def run() -> None:
        seen: list[object] = []
        app = MedsumApp(backend)
        async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
            await pilot.press("t")
            await settle(app, pilot)
            screen = app.screen
            await pilot.press("l")
            await settle(app, pilot)
            await pilot.press("g")
            await _wait_until(app, pilot, lambda: screen.run_snapshot.step >= 2)
            assert any(isinstance(m, RunsChanged) for m in seen)  # the start, for the run lists
            assert screen.query_one("#start-button", Button).disabled
            assert not screen.query_one("#cancel-button", Button).disabled
            await pilot.press("l")  # a new plan while the run goes: Start stays off
            await settle(app, pilot)
            assert screen.query_one("#start-button", Button).disabled
            await pilot.press("g")
            await settle(app, pilot)
            assert len([c for c, _ in backend.calls if c == "start"]) == 1
            ended = sum(isinstance(m, RunsChanged) for m in seen)
            backend.chunks = len(RUN_EVENTS)  # now it finishes
            await _wait_until(app, pilot, lambda: screen.run_snapshot.ended)
            assert sum(isinstance(m, RunsChanged) for m in seen) == ended + 1
            assert not screen.query_one("#start-button", Button).disabled  # planned, and no run goes
    asyncio.run(run())


def test_fold_events_keeps_the_truncated_targets() -> None:
    snap = fold_events(RunSnapshot(), [{"event": "start", "run_id": "r", "step": 0, "total_steps": 4,
                                        "truncated": {"sources": 0, "targets": 7, "max_source_len": 256,
                                                      "max_target_len": 64}}])
    assert (snap.truncated_targets, snap.max_target_len) == (7, 64)
