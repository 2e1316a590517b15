"""``medsum runs --follow``: which run to follow, and its updates printed as they come.

In a terminal the progress is one live line; otherwise (a log file, a pipe) plain lines, as
``medsum train`` writes them without a terminal: no colour, no carriage return.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from core.errors import MedsumError
from core.train.follow import Died, Ended, FollowUpdate, Progressed, Started, Validated, follow_events
from core.train.runs import RunInfo, RunsTable, RunStatus, iso_seconds, process_alive
from medsum_tui.cli._progress import PlainTicker, progress_line, stdout_is_terminal

__all__ = ["QUEUED_GRACE_S", "choose_run", "follow_run", "print_updates"]

QUEUED_GRACE_S = 60.0  # a "queued" run with no process yet is waited for this long after its creation


def choose_run(runs: list[RunInfo], wanted: str | None) -> RunInfo:
    """The run ``wanted`` names (its id, or an unambiguous start of it); with none named, the
    newest running run. Raises a one-line :class:`MedsumError` otherwise."""
    if wanted is None:
        going = [r for r in runs if r.status in (RunStatus.RUNNING, RunStatus.QUEUED)]
        if not going:
            raise MedsumError("no run is running; name one to follow: `medsum runs --follow RUN` (see `medsum runs`)")
        return max(going, key=lambda r: (r.created_at, r.run_id))
    exact = [r for r in runs if r.run_id == wanted]
    if exact:
        return exact[0]
    matches = [r for r in runs if r.run_id.startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise MedsumError(f"no run {wanted!r} in this workspace (see `medsum runs`)")
    raise MedsumError(f"{wanted!r} names {len(matches)} runs ({', '.join(r.run_id for r in matches[:3])}"
                      f"{', ...' if len(matches) > 3 else ''}); give more of the run id")


def _liveness(table: RunsTable, run: RunInfo) -> Callable[[], bool]:
    """Whether the run's training process is still there, asked again each time (a queued run
    gets its process id when it starts; a resumed run has a new one)."""
    def alive() -> bool:
        try:
            row = table.get(run.run_id)
        except KeyError:
            return False
        if row.pid is None and row.status == RunStatus.QUEUED:
            return time.time() - iso_seconds(row.created_at) < QUEUED_GRACE_S
        return process_alive(row.pid)
    return alive



def follow_run(root: Path, wanted: str | None) -> int:
    """Follow a run of the workspace at ``root`` until it ends; the exit code: 0 when it
    finished, 1 when it failed, was killed, or its process died without an end event."""
    table = RunsTable(root)
    run = choose_run(table.list(), wanted)
    events = root / "runs" / run.run_id / "events.jsonl"
    restarted = run.status == RunStatus.RUNNING and run.pid_alive
    updates = follow_events(events, _liveness(table, run),
                            ended_before=iso_seconds(run.updated_at) if restarted else None)
    return print_updates(run.run_id, updates, live=stdout_is_terminal(), pid=run.pid)


def _step_text(step: int | None, total: int | None) -> str:
    return f"step {step if step is not None else '?'}/{total if total is not None else '?'}"


def _outcome(run_id: str, ended: Ended) -> str:
    figures = [_step_text(ended.step, ended.total_steps)]
    if ended.best_val_loss is not None:
        figures.append(f"best validation loss {ended.best_val_loss:.4f}")
    if ended.epsilon is not None:
        figures.append(f"epsilon {ended.epsilon:.3f}")
    why = f" ({ended.message})" if ended.message and ended.message not in ("done", ended.status) else ""
    return f"Run {run_id} {ended.status} at {', '.join(figures)}{why}"


class _Printer:
    """Writes lines; in a terminal, the progress is one line redrawn in place."""

    def __init__(self, live: bool) -> None:
        self.live = live
        self.open_line = False

    def line(self, text: str) -> None:
        """A line that stays."""
        if self.open_line:
            sys.stdout.write("\r\x1b[K")
            self.open_line = False
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    def progress(self, text: str) -> None:
        """The live line (a terminal only)."""
        sys.stdout.write("\r\x1b[K" + text)
        sys.stdout.flush()
        self.open_line = True


def print_updates(run_id: str, updates: Iterable[FollowUpdate], *, live: bool, pid: int | None = None) -> int:
    """Print ``updates`` of run ``run_id`` and return the exit code (0: it finished)."""
    out = _Printer(live)
    ticker = PlainTicker()
    first = True
    for update in updates:
        if isinstance(update, Started):
            out.line(f"Run {run_id} {'resumed' if update.resumed else 'started'} at "
                     f"{_step_text(update.step, update.total_steps)}")
        elif isinstance(update, Progressed):
            text = progress_line(update.step, update.total_steps, loss=update.loss, lr=update.lr,
                                 samples_per_s=update.samples_per_s, epsilon=update.epsilon, eta_s=update.eta_s)
            if first:
                out.line(f"Run {run_id} running: {text}")
            elif live:
                out.progress(text)
            elif ticker.due(update.step, update.total_steps):
                out.line(text)
        elif isinstance(update, Validated):
            out.line(f"epoch {update.epoch}: validation loss {update.val_loss}"
                     + (" (early stop)" if update.early_stop else ""))
        elif isinstance(update, Ended):
            out.line(_outcome(run_id, update))
            return 0 if update.finished else 1
        elif isinstance(update, Died):
            process = f" (pid {pid})" if pid is not None else ""
            out.line(f"Run {run_id}: the training process{process} is gone without an end event, at "
                     f"{_step_text(update.step, update.total_steps)}; it counts as killed "
                     f"(`medsum train --resume {run_id}` continues it)")
            return 1
        first = False
    return 1
