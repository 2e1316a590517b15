"""Train: a form (dataset, model, LoRA, DP with target epsilon and delta), the pre-flight epsilon
and budget check before Start, then the run followed live: progress, a loss sparkline and an
epsilon meter, with Cancel. The run is a detached child process: closing the TUI does not stop
it, and reopening the screen reattaches to it."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import (
    Button,
    Checkbox,
    Footer,
    Header,
    Input,
    Label,
    ProgressBar,
    Select,
    Sparkline,
    Static,
    Switch,
)

from core.errors import MedsumError
from medsum_tui.tui.backend import TrainPlan
from medsum_tui.tui.screens.base import MedsumScreen
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


class TrainScreen(MedsumScreen):
    """Start a run, or follow the one already going."""

    BINDINGS = [
        Binding("l", "plan", "Plan", id="train.plan"),
        Binding("g", "start", "Start", id="train.start"),
        Binding("x", "cancel", "Cancel run", id="train.cancel"),
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
        """The form, the plan, then the run's progress."""
        yield Header()
        with VerticalScroll(id="train"):
            with Horizontal(classes="form-row"):
                yield Select[str]([], prompt="dataset", id="train-dataset")
                yield Select[str]([], prompt="model", id="train-model")
            with Horizontal(classes="form-row"):
                yield Checkbox("full fine-tune", id="train-full")
                yield Input("16", placeholder="LoRA r", id="train-lora-r", type="integer")
                yield Input("3", placeholder="epochs", id="train-epochs", type="integer")
                yield Input("", placeholder="max steps", id="train-max-steps", type="integer")
            with Horizontal(classes="form-row"):
                yield Label("DP", classes="switch-label")
                yield Switch(id="train-dp")
                yield Input("", placeholder="target epsilon", id="train-epsilon", type="number")
                yield Input("", placeholder="delta (default 1/(10 N))", id="train-delta", type="number")
            with Horizontal(classes="form-row"):
                yield Button("Plan (l)", id="plan-button")
                yield Button("Start (g)", id="start-button", variant="success", disabled=True)
                yield Button("Cancel run (x)", id="cancel-button", variant="error", disabled=True)
            yield Static("Fill the form, then Plan: the pre-flight shows the planned epsilon and the budget check.",
                         id="plan")
            with Vertical(id="run-section"):  # shown once a run is followed
                yield Label("", id="run-status")
                yield ProgressBar(id="run-progress", show_eta=False)
                yield Label("loss", classes="section")
                yield Sparkline([], id="loss")
                yield Label("epsilon spent / planned (DP runs)", classes="section")
                yield ProgressBar(id="epsilon", show_eta=False)
        yield Footer()

    def on_mount(self) -> None:
        """No run section until there is a run; the cursor starts on the form's first field."""
        self.query_one("#run-section").display = False
        self.query_one("#train-dataset", Select).focus()

    def on_screen_resume(self) -> None:
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
        dp = self.query_one("#train-dp", Switch).value
        return TrainForm(
            dataset=dataset, model=model, full=self.query_one("#train-full", Checkbox).value,
            lora_r=int(_number(value("#train-lora-r"), int, "LoRA r") or 16),
            epochs=int(_number(value("#train-epochs"), int, "epochs") or 3),
            max_steps=_number(value("#train-max-steps"), int, "max steps"),  # type: ignore[arg-type]
            dp=dp, target_epsilon=_number(value("#train-epsilon"), float, "target epsilon") if dp else None,
            delta=_number(value("#train-delta"), float, "delta") if dp else None)

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Switch.Changed)
    @on(Checkbox.Changed)
    def _form_changed(self) -> None:
        """Any change needs a new plan before Start."""
        self.planned_form = None
        self.query_one("#start-button", Button).disabled = True

    @on(Button.Pressed, "#plan-button")
    def action_plan(self) -> None:
        """Compute the pre-flight of the form's run."""
        try:
            form = self._form()
        except MedsumError as exc:
            self.notify(str(exc), severity="error")
            return
        self.query_one("#plan", Static).update(Text("Planning…"))
        self.plan(form)

    @work(thread=True, exclusive=True, exit_on_error=False, group="train-plan")
    def plan(self, form: TrainForm) -> None:
        """The pre-flight (blocking)."""
        self.post_message(self.Planned(form, self.app.backend.plan_training(form)))  # type: ignore[attr-defined]

    def on_train_screen_planned(self, message: Planned) -> None:
        """Show the plan; Start is enabled when the budget policy allows the run."""
        text = Text("\n".join(message.plan.lines))
        if not message.plan.allowed:
            text.append("\nThe budget policy refuses this run.", style="bold red")
        self.query_one("#plan", Static).update(text)
        self.planned_form = message.form if message.plan.allowed else None
        self.query_one("#start-button", Button).disabled = self.planned_form is None or self.run_handle is not None

    @on(Button.Pressed, "#start-button")
    def action_start(self) -> None:
        """Start the planned run (only a planned, allowed one)."""
        if self.planned_form is None:
            self.notify("Plan the run first (l): Start follows the pre-flight.", severity="warning")
            return
        if self.run_handle is not None and not self.run_snapshot.ended:
            self.notify("A run is already going.", severity="warning")
            return
        self.query_one("#start-button", Button).disabled = True
        self.start(self.planned_form)

    @work(thread=True, exclusive=True, exit_on_error=False, group="train-start")
    def start(self, form: TrainForm) -> None:
        """Spawn the child process (blocking only briefly)."""
        self.post_message(self.Started(self.app.backend.start_training(form)))  # type: ignore[attr-defined]

    def on_train_screen_started(self, message: Started) -> None:
        """Follow the new run."""
        self.follow(message.handle)

    # -- following a run -----------------------------------------------------------------
    def follow(self, handle: TrainingHandle) -> None:
        """Read ``handle``'s events from the start, twice a second, until the run ends."""
        self.run_handle, self.run_snapshot, self.events_offset = handle, RunSnapshot(run_id=handle.run_id), 0
        self.query_one("#cancel-button", Button).disabled = False
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
        self.query_one("#run-status", Label).update(Text(
            f"Run {snap.run_id or '(starting)'}: {snap.status}, step {snap.step}{total}{loss}{val}{eps}{rate}"
            + (f" ({snap.message})" if snap.message else "")))
        if snap.ended:
            if self.poll_timer is not None:
                self.poll_timer.stop()
                self.poll_timer = None
            self.query_one("#cancel-button", Button).disabled = True
            self.query_one("#start-button", Button).disabled = self.planned_form is None
            self.notify(f"Run {snap.run_id} {snap.status}.", severity="information" if snap.status == "finished"
                        else "error")

    @on(Button.Pressed, "#cancel-button")
    def action_cancel(self) -> None:
        """Interrupt the run being followed."""
        if self.run_handle is None or self.run_snapshot.ended:
            self.notify("No run to cancel.", severity="warning")
            return
        self.cancel(self.run_handle)

    @work(thread=True, exclusive=True, exit_on_error=False, group="train-cancel")
    def cancel(self, handle: TrainingHandle) -> None:
        """Send the interrupt (the run then writes its "end" event)."""
        if not self.app.backend.cancel_training(handle):  # type: ignore[attr-defined]
            raise MedsumError(f"run {handle.run_id or handle.pid}: its process is already gone")
