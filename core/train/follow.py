"""Following a run from its events file (``runs/RUN/events.jsonl``), as it is written.

:func:`follow_events` yields typed updates: first where the run stands now (read from the
file's end, so a long file costs little), then each new event as the training process
appends it, until its "end" event, or until the process is gone without writing one. What to
print is the CLI's business (``medsum runs --follow``); this module only reads.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.train.events import EventReader, EventsSummary, read_tail

__all__ = ["Died", "Ended", "FollowUpdate", "Progressed", "Started", "Validated", "follow_events"]

POLL_S = 0.5  # how often the file is read again while nothing new is in it


@dataclass(frozen=True)
class Started:
    """The training process started (or resumed) the run."""

    run_id: str
    step: int
    total_steps: int | None
    resumed: bool


@dataclass(frozen=True)
class Progressed:
    """An optimizer step (or, first of all, the step the run is at when following begins)."""

    step: int
    total_steps: int | None
    loss: float | None = None
    epsilon: float | None = None  # DP runs: spent so far
    eta_s: float | None = None
    samples_per_s: float | None = None
    lr: float | None = None


@dataclass(frozen=True)
class Validated:
    """A validation pass at an epoch's end."""

    epoch: int
    step: int
    val_loss: float | None
    best_val_loss: float | None
    early_stop: bool


@dataclass(frozen=True)
class Ended:
    """The run's "end" event: how it ended, with its final figures."""

    status: str  # finished, failed or killed
    step: int | None
    total_steps: int | None
    message: str
    epsilon: float | None
    best_val_loss: float | None

    @property
    def finished(self) -> bool:
        """Whether the run finished (the others failed or were killed)."""
        return self.status == "finished"


@dataclass(frozen=True)
class Died:
    """The training process is gone and left no "end" event (``kill -9``, out of memory...)."""

    step: int | None
    total_steps: int | None


FollowUpdate = Started | Progressed | Validated | Ended | Died


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _int(value: Any, default: int | None = None) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


class _State:
    """What the follower knows so far: the figures an "end" or a death is reported with."""

    def __init__(self, summary: EventsSummary) -> None:
        self.step, self.total = summary.step, summary.total_steps
        self.epsilon, self.best = summary.epsilon, summary.best_val_loss

    def update(self, event: dict[str, Any]) -> FollowUpdate | None:
        """The update ``event`` makes, if any (and the state advanced by it)."""
        kind = event.get("event")
        if kind == "start":
            self.step, self.total = _int(event.get("step"), 0), _int(event.get("total_steps"), self.total)
            return Started(str(event.get("run_id", "")), self.step or 0, self.total, bool(event.get("resumed")))
        if kind == "step":
            self.step = _int(event.get("step"), self.step)
            self.total = _int(event.get("total_steps"), self.total)
            if _num(event.get("epsilon")) is not None:
                self.epsilon = _num(event.get("epsilon"))
            return Progressed(self.step or 0, self.total, _num(event.get("loss")), self.epsilon,
                              _num(event.get("eta_s")), _num(event.get("samples_per_s")), _num(event.get("lr")))
        if kind == "epoch":
            if _num(event.get("best_val_loss")) is not None:
                self.best = _num(event.get("best_val_loss"))
            return Validated(_int(event.get("epoch"), 0) or 0, _int(event.get("step"), self.step) or 0,
                             _num(event.get("val_loss")), self.best, bool(event.get("early_stop")))
        if kind == "end":
            return self.ended(event)
        return None

    def ended(self, event: dict[str, Any]) -> Ended:
        """The :class:`Ended` of an "end" event."""
        status = str(event.get("status", "failed"))
        epsilon = _num(event.get("epsilon"))
        return Ended(status, _int(event.get("step"), self.step), self.total,
                     str(event.get("message") or event.get("error") or ""),
                     epsilon if epsilon is not None else self.epsilon, self.best)


def follow_events(path: Path, alive: Callable[[], bool], *, poll_s: float | None = None,
                  ended_before: float | None = None,
                  sleep: Callable[[float], None] = time.sleep) -> Iterator[FollowUpdate]:
    """The updates of the run whose events file is ``path``: where it stands now, then each new
    event, ending with :class:`Ended` (its "end" event) or :class:`Died` (``alive()`` says its
    process is gone and the file has no end event after a last read).

    An "end" event already in the file older than ``ended_before`` (seconds since the epoch) is
    an earlier process's: a resume is starting, and its events are waited for. A line still being
    written is read once it is complete. The file is read again every ``poll_s`` seconds
    (default :data:`POLL_S`) while nothing new is in it."""
    poll_s = POLL_S if poll_s is None else poll_s
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        size = 0
    offset, summary = read_tail(path, size) if size else (0, EventsSummary())
    state = _State(summary)
    end = summary.end
    if end is not None and not (ended_before is not None and (_num(end.get("time")) or 0.0) < ended_before):
        yield state.ended(end)
        return
    if summary.step is not None:
        yield Progressed(summary.step, summary.total_steps, summary.loss, summary.epsilon, summary.eta_s,
                         summary.samples_per_s)
    reader = EventReader(path, offset)
    while True:
        events = reader.read()
        if not events:
            if alive():
                sleep(poll_s)
                continue
            events = reader.read()  # what it wrote just before it went
            if not events:
                yield Died(state.step, state.total)
                return
        for event in events:
            update = state.update(event)
            if update is not None:
                yield update
                if isinstance(update, Ended):
                    return
