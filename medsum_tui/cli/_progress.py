"""The training progress bar that ``train`` and ``demo`` show, fed by a run's events."""

from __future__ import annotations

from typing import Any

from medsum_tui.cli._runtime import say

__all__ = ["TrainingProgress"]


class TrainingProgress:
    """Shows the events of a run as a rich progress bar (step, loss, lr, samples/s, ETA)."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(TextColumn("[bold]train"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[info]}"),
                            TimeRemainingColumn(), transient=False)
        self.task: Any = None

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event["event"]
        if kind == "start":
            say(f"Run {event['run_id']}: {event['method']} on {event['device']} ({event['precision']}), "
                f"{event['total_steps']} steps" + (f", resumed at step {event['step']}" if event["resumed"] else ""))
            cut = event["truncated"]
            if cut["sources"] or cut["targets"]:
                say(f"Truncated: {cut['sources']} source(s) to {cut['max_source_len']} tokens, "
                    f"{cut['targets']} target(s) to {cut['max_target_len']} tokens")
            self.bar.start()
            self.task = self.bar.add_task("train", total=event["total_steps"], completed=event["step"], info="")
        elif kind == "step" and self.task is not None:
            self.bar.update(self.task, completed=event["step"],
                            info=f"loss {event['loss']:.4f} lr {event['lr']:.2e} {event['samples_per_s']:.1f} samples/s")
        elif kind == "epoch":
            line = f"epoch {event['epoch']}: validation loss {event['val_loss']}"
            (self.bar.console.print if self.task is not None else say)(line + (" (early stop)" if event["early_stop"] else ""))
        elif kind == "end":
            self.stop()

    def stop(self) -> None:
        """Leave the bar drawn as it is."""
        if self.task is not None:
            self.bar.stop()
            self.task = None
