"""Train: a form (dataset, model, LoRA, epochs, batch size, target length, DP with target epsilon,
delta and privacy unit, a budget override with its reason), the pre-flight epsilon and budget
check before Start (a refusal names its fixes), then the run followed live: progress, a loss
sparkline and an epsilon meter, with Cancel (confirmed). The run is a detached child process:
closing the TUI does not stop it, and reopening the screen reattaches to it.

The form is on the left (it scrolls at 80x24); the run and the plan stay on the right."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.worker import Worker, WorkerState
from textual.widgets import (
    Button,
    Checkbox,
    Footer,
    Input,
    Label,
    ProgressBar,
    Select,
    Sparkline,
    Static,
)

from core.errors import MedsumError
from medsum_tui.tui.backend import TrainPlan
from medsum_tui.tui.dialogs import ConfirmDialog
from medsum_tui.tui.navbar import NavBar
from medsum_tui.tui.screens.base import MedsumScreen, RunsChanged
from medsum_tui.tui.train_state import RunSnapshot, fold_events
from medsum_tui.tui.training import TrainForm, TrainingHandle

__all__ = ["TrainScreen"]

POLL_S = 0.5  # the events file is read, and the screen redrawn, at most twice a second


def _number(text: str, kind: type, name: str) -> float | int | None:
    text = text.strip()
    if not text:
        return None
    try:
        return kind(text)  # type: ignore[no-any-return]
    except ValueError:
        raise MedsumError(f"{name}: {text!r} is not a {'whole ' if kind is int else ''}number") from None


def _field(label: str, widget: Widget) -> ComposeResult:
    """One row of the form: a label that stays when the field is filled, and the field."""
    with Horizontal(classes="field"):
        yield Label(label, classes="field-label")
        yield widget


class TrainScreen(MedsumScreen):
    """Start a run, or follow the one already going."""

    COMPACT_BELOW = 1_000_000  # the form is one row per field at every size

    BINDINGS = [
        Binding("l", "plan", "Plan", id="train.plan"),
        Binding("g", "start", "Start", id="train.start"),
        Binding("k", "cancel", "Cancel run", id="train.cancel"),
    ]

    class Options(Message):
        """Datasets and models to choose from, and the runs still going."""

        def __init__(self, datasets: list[str], models: list[str], running: list[TrainingHandle]) -> None:
            """Carry the choices."""
            super().__init__()
            self.datasets, self.models, self.running = datasets, models, running

    class Planned(Message):
        """The pre-flight is ready."""

        def __init__(self, form: TrainForm, plan: TrainPlan) -> None:
            """Carry the plan and the form it is for."""
            super().__init__()
            self.form, self.plan = form, plan

    class Started(Message):
        """The child process is up."""

        def __init__(self, handle: TrainingHandle) -> None:
            """Carry the handle."""
            super().__init__()
            self.handle = handle

    class Progress(Message):
        """The latest state of the run; a newer one replaces it if both are waiting."""

        def __init__(self, snapshot: RunSnapshot, offset: int) -> None:
            """Carry the state and how far the events file was read."""
            super().__init__()
            self.snapshot, self.offset = snapshot, offset

        def can_replace(self, message: Message) -> bool:
            """Progress collapses: only the newest matters."""
            return isinstance(message, TrainScreen.Progress)

    def __init__(self) -> None:
        """No plan and no run yet."""
        super().__init__()
        self.planned_form: TrainForm | None = None
        self.run_handle: TrainingHandle | None = None
        self.run_snapshot = RunSnapshot()
        self.events_offset = 0
        self.poll_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        """The form (a label beside every field) on the left; the run and the plan on the right."""
        yield NavBar()
        with Horizontal(id="train"):
            with VerticalScroll(id="train-form"):
                yield from _field("Dataset", Select[str]([], prompt="choose", id="train-dataset", compact=True))
                yield from _field("Model", Select[str]([], prompt="choose", id="train-model", compact=True))
                yield from _field("Full tune", Checkbox("all weights", id="train-full", compact=True))
                yield from _field("LoRA r", Input("16", id="train-lora-r", type="integer", compact=True))
                yield from _field("Epochs", Input("3", id="train-epochs", type="integer", compact=True))
                yield from _field("Max steps", Input("", placeholder="all epochs", id="train-max-steps",
                                                     type="integer", compact=True))
                yield from _field("Batch size", Input("8", id="train-batch-size", type="integer", compact=True))
                yield from _field("Target length", Input("64", id="train-target-len", type="integer", compact=True))
                yield from _field("DP", Checkbox("differential privacy", id="train-dp", compact=True))
                yield from _field("Target ε", Input("", placeholder="DP: e.g. 8", id="train-epsilon", type="number",
                                                    compact=True))
                yield from _field("Delta", Input("", placeholder="default 1/(10 N)", id="train-delta", type="number",
                                                 compact=True))
                yield from _field("Privacy unit", Select[str]([("record", "record"), ("patient", "patient")],
                                                              value="record", allow_blank=False,
                                                              id="train-privacy-unit", compact=True))
                yield from _field("Override reason", Input("", placeholder="only to override a refusal (audited)",
                                                           id="train-override", compact=True))
                with Horizontal(classes="train-buttons"):
                    yield Button("Plan (l)", id="plan-button", compact=True)
                    yield Button("Start (g)", id="start-button", variant="success", disabled=True, compact=True)
                    yield Button("Cancel run (k)", id="cancel-button", variant="error", disabled=True, compact=True)
            with Vertical(id="train-side"):
                with Vertical(id="run-section"):  # shown once a run is followed
                    yield Label("", id="run-status")
                    yield ProgressBar(id="run-progress", show_eta=False)
                    yield Label("loss", classes="section")
                    yield Sparkline([], id="loss")
                    yield Label("epsilon spent / planned (DP runs)", classes="section")
                    yield ProgressBar(id="epsilon", show_eta=False)
                with VerticalScroll(id="plan-box"):
                    yield Static("Fill the form, then Plan (l): the pre-flight shows the planned epsilon, the "
                                 "budget check and how many targets the target length truncates.", id="plan")
        yield Footer()

    def on_mount(self) -> None:
        """No run section until there is a run; the cursor starts on the form's first field."""
        self.query_one("#run-section").display = False
        self.query_one("#train-dataset", Select).focus()

    def shown(self) -> None:
        """Fresh choices, and reattach to a run still going."""
        self.load_options()

    @work(thread=True, exclusive=True, exit_on_error=False, group="train-options")
    def load_options(self) -> None:
        """Ask for datasets, models and running runs (blocking)."""
        backend = self.app.backend  # type: ignore[attr-defined]
        self.post_message(self.Options(backend.dataset_names(), backend.model_names(), backend.running()))

    def on_train_screen_options(self, message: Options) -> None:
        """Fill the pickers; follow a running run if this screen follows none."""
        for widget_id, names in (("#train-dataset", message.datasets), ("#train-model", message.models)):
            select = self.query_one(widget_id, Select)
            current = select.value
            select.set_options([(n, n) for n in names])
            if isinstance(current, str) and current in names:
                select.value = current
            elif names:
                select.value = names[0]
        if self.run_handle is None and message.running:
            self.notify(f"Reattached to run {message.running[0].run_id}, still training.")
            self.follow(message.running[0])

    # -- the form ------------------------------------------------------------------------
    def _form(self) -> TrainForm:
        dataset = self.query_one("#train-dataset", Select).value
        model = self.query_one("#train-model", Select).value
        if not isinstance(dataset, str) or not isinstance(model, str):
            raise MedsumError("choose a dataset and a model (medsum data import, medsum models)")
        value = lambda widget_id: self.query_one(widget_id, Input).value  # noqa: E731
        dp = self.query_one("#train-dp", Checkbox).value
        unit = self.query_one("#train-privacy-unit", Select).value
        reason = value("#train-override").strip()
        return TrainForm(
            dataset=dataset, model=model, full=self.query_one("#train-full", Checkbox).value,
            lora_r=int(_number(value("#train-lora-r"), int, "LoRA r") or 16),
            epochs=int(_number(value("#train-epochs"), int, "Epochs") or 3),
            max_steps=_number(value("#train-max-steps"), int, "Max steps"),  # type: ignore[arg-type]
            batch_size=int(_number(value("#train-batch-size"), int, "Batch size") or 8),
            max_target_len=int(_number(value("#train-target-len"), int, "Target length") or 64),
            dp=dp, target_epsilon=_number(value("#train-epsilon"), float, "Target ε") if dp else None,
            delta=_number(value("#train-delta"), float, "Delta") if dp else None,
            privacy_unit=unit if isinstance(unit, str) else "record",
            override_reason=reason or None)

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _form_changed(self) -> None:
        """Any change needs a new plan before Start."""
        self.planned_form = None
        self._reflect_state()

    def _run_going(self) -> bool:
        """Whether this screen follows a run that has not ended."""
        return self.run_handle is not None and not self.run_snapshot.ended

    def _reflect_state(self) -> None:
        """Start only for a planned, allowed run while none goes; Cancel only while one goes."""
        self.query_one("#start-button", Button).disabled = self.planned_form is None or self._run_going()
        self.query_one("#cancel-button", Button).disabled = not self._run_going()

    @on(Button.Pressed, "#plan-button")
    def action_plan(self) -> None:
        """Compute the pre-flight of the form's run."""
        try:
            form = self._form()
        except MedsumError as exc:
            self.notify(str(exc), severity="error")
            return
        self.query_one("#plan", Static).update(Text("Planning…"))
        button = self.query_one("#plan-button", Button)
        button.disabled, button.label = True, "Planning…"
        self.plan(form)

    @work(thread=True, exclusive=True, exit_on_error=False, group="train-plan")
    def plan(self, form: TrainForm) -> None:
        """The pre-flight (blocking)."""
        self.post_message(self.Planned(form, self.app.backend.plan_training(form)))  # type: ignore[attr-defined]

    def on_train_screen_planned(self, message: Planned) -> None:
        """Show the plan; Start is enabled when the budget policy allows the run."""
        plan = message.plan
        text = Text()
        if plan.refused and not plan.allowed:
            text.append("The budget policy refuses this run.\n", style="bold red")
        elif plan.refused:
            text.append("The budget policy refuses this run; Start overrides it with your reason, which is "
                        "audited.\n", style="bold yellow")
        text.append("\n".join(plan.lines))
        self.query_one("#plan", Static).update(text)
        self.planned_form = message.form if plan.allowed else None
        self._plan_done()

    def _plan_done(self) -> None:
        button = self.query_one("#plan-button", Button)
        button.disabled, button.label = False, "Plan (l)"
        self._reflect_state()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failure shows the error dialog; a failed plan or start leaves the buttons usable again."""
        super().on_worker_state_changed(event)
        if event.state not in (WorkerState.ERROR, WorkerState.CANCELLED):
            return
        if event.worker.group == "train-plan" and event.state is WorkerState.ERROR:
            self.query_one("#plan", Static).update(Text("The plan failed; fix the form and Plan (l) again."))
            self._plan_done()
        elif event.worker.group == "train-start":
            self._reflect_state()

    @on(Button.Pressed, "#start-button")
    def action_start(self) -> None:
        """Start the planned run (only a planned, allowed one, and only while no run goes)."""
        if self._run_going():
            self.notify("A run is already going: follow it here, or cancel it (k).", severity="warning")
            return
        if self.planned_form is None:
            self.notify("Plan the run first (l): Start follows the pre-flight.", severity="warning")
            return
        self.query_one("#start-button", Button).disabled = True
        self.start(self.planned_form)

    @work(thread=True, exclusive=True, exit_on_error=False, group="train-start")
    def start(self, form: TrainForm) -> None:
        """Spawn the child process (blocking only briefly)."""
        self.post_message(self.Started(self.app.backend.start_training(form)))  # type: ignore[attr-defined]

    def on_train_screen_started(self, message: Started) -> None:
        """Follow the new run, and tell the app (run lists refresh)."""
        self.follow(message.handle)
        self.app.post_message(RunsChanged())

    # -- following a run -----------------------------------------------------------------
    def follow(self, handle: TrainingHandle) -> None:
        """Read ``handle``'s events from the start, twice a second, until the run ends."""
        self.run_handle, self.run_snapshot, self.events_offset = handle, RunSnapshot(run_id=handle.run_id), 0
        self._reflect_state()
        self.query_one("#run-section").display = True
        self.query_one("#run-status", Label).update(Text(f"Run {handle.run_id or '(starting)'}: starting…"))
        if self.poll_timer is not None:
            self.poll_timer.stop()
        self.poll_timer = self.set_interval(POLL_S, self.poll)

    def poll(self) -> None:
        """Ask for new events (the read happens in a worker)."""
        if self.run_handle is not None:
            self.read(self.run_handle, self.run_snapshot, self.events_offset)

    @work(thread=True, exclusive=True, exit_on_error=False, group="train-poll")
    def read(self, handle: TrainingHandle, snapshot: RunSnapshot, offset: int) -> None:
        """Read new events and post the folded state."""
        events, offset = self.app.backend.training_events(handle, offset)  # type: ignore[attr-defined]
        if events:
            self.post_message(self.Progress(fold_events(snapshot, events), offset))

    def on_train_screen_progress(self, message: Progress) -> None:
        """Redraw: status line, progress, loss sparkline, epsilon meter."""
        snap = self.run_snapshot = message.snapshot
        self.events_offset = message.offset
        bar = self.query_one("#run-progress", ProgressBar)
        bar.update(total=snap.total_steps, progress=snap.step)
        self.query_one("#loss", Sparkline).data = list(snap.losses)
        meter = self.query_one("#epsilon", ProgressBar)
        if snap.epsilon_planned:
            meter.update(total=snap.epsilon_planned, progress=min(snap.epsilon or 0.0, snap.epsilon_planned))
        eps = "" if snap.epsilon is None else f" · ε {snap.epsilon:.3f}" + (
            f" of {snap.epsilon_planned:.3f} planned (δ {snap.delta:g})" if snap.epsilon_planned and snap.delta else "")
        loss = f" · loss {snap.losses[-1]:.4f}" if snap.losses else ""
        val = "" if snap.val_loss is None else f" · val {snap.val_loss:.4f}"
        rate = f" · {snap.samples_per_s:.1f} samples/s" if snap.samples_per_s else ""
        total = f"/{snap.total_steps}" if snap.total_steps else ""
        cut = (f" · {snap.truncated_targets} target(s) truncated to {snap.max_target_len} tokens"
               if snap.truncated_targets else "")
        self.query_one("#run-status", Label).update(Text(
            f"Run {snap.run_id or '(starting)'}: {snap.status}, step {snap.step}{total}{loss}{val}{eps}{rate}{cut}"
            + (f" ({snap.message})" if snap.message else "")))
        if snap.ended:
            if self.poll_timer is not None:
                self.poll_timer.stop()
                self.poll_timer = None
            self._reflect_state()
            self.notify(f"Run {snap.run_id} {snap.status}.", severity="information" if snap.status == "finished"
                        else "error")
            self.app.post_message(RunsChanged())

    @on(Button.Pressed, "#cancel-button")
    def action_cancel(self) -> None:
        """Interrupt the run being followed, once the user confirms."""
        if not self._run_going():
            self.notify("No run to cancel.", severity="warning")
            return
        handle = self.run_handle
        assert handle is not None

        def answered(yes: bool | None) -> None:
            if yes and handle is self.run_handle and self._run_going():
                self.cancel(handle)

        name = handle.run_id or self.run_snapshot.run_id or f"(process {handle.pid})"
        self.app.push_screen(ConfirmDialog(f"Cancel run {name}? Its spend so far is settled.", confirm="Cancel run",
                                           keep="Keep running"), answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="train-cancel")
    def cancel(self, handle: TrainingHandle) -> None:
        """Send the interrupt (the run then writes its "end" event)."""
        if not self.app.backend.cancel_training(handle):  # type: ignore[attr-defined]
            raise MedsumError(f"run {handle.run_id or handle.pid}: its process is already gone")
