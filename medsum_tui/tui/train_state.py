"""What the Train screen shows of a run, folded from its events (pure: tests feed it events)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["RunSnapshot", "fold_events"]

_LOSSES_KEPT = 240  # the sparkline shows the recent trend, not every step of a long run


@dataclass(frozen=True)
class RunSnapshot:
    """A run's progress: step, losses, epsilon against its plan, and how it ended."""

    run_id: str | None = None
    step: int = 0
    total_steps: int | None = None
    losses: tuple[float, ...] = field(default_factory=tuple)
    val_loss: float | None = None
    epsilon: float | None = None
    epsilon_planned: float | None = None
    delta: float | None = None
    samples_per_s: float | None = None
    eta_s: float | None = None
    status: str = "starting"  # starting, running, finished, failed, killed
    truncated_targets: int | None = None  # training and validation targets cut to max_target_len
    max_target_len: int | None = None
    message: str = ""

    @property
    def ended(self) -> bool:
        """Whether the run is over (its "end" event was read)."""
        return self.status in ("finished", "failed", "killed")


def fold_events(snapshot: RunSnapshot, events: list[dict[str, Any]]) -> RunSnapshot:
    """``snapshot`` advanced by ``events`` (start, step, epoch, end), in order."""
    for event in events:
        kind = event.get("event")
        if kind == "start":
            dp = event.get("dp") or {}
            cut = event.get("truncated") or {}
            snapshot = replace(snapshot, run_id=event.get("run_id"), step=event.get("step", 0),
                               total_steps=event.get("total_steps"), status="running",
                               epsilon_planned=dp.get("epsilon_planned"), delta=dp.get("delta"),
                               truncated_targets=cut.get("targets"), max_target_len=cut.get("max_target_len"))
        elif kind == "step":
            losses = snapshot.losses
            if isinstance(event.get("loss"), (int, float)):
                losses = (*losses, float(event["loss"]))[-_LOSSES_KEPT:]
            snapshot = replace(snapshot, step=event.get("step", snapshot.step),
                               total_steps=event.get("total_steps", snapshot.total_steps), losses=losses,
                               epsilon=event.get("epsilon", snapshot.epsilon),
                               samples_per_s=event.get("samples_per_s"), eta_s=event.get("eta_s"), status="running")
        elif kind == "epoch":
            snapshot = replace(snapshot, val_loss=event.get("val_loss", snapshot.val_loss))
        elif kind == "exit" and not snapshot.ended:  # the process is gone without an "end" event
            snapshot = replace(snapshot, status="failed", message=str(event.get("message", "")))
        elif kind == "end":
            snapshot = replace(snapshot, status=str(event.get("status", "finished")),
                               step=event.get("step", snapshot.step), epsilon=event.get("epsilon", snapshot.epsilon),
                               message=str(event.get("message") or event.get("error") or ""))
    return snapshot
