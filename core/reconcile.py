"""``medsum budget reconcile``: settle the ledger reservations of runs whose process is gone.

A run killed with ``kill -9`` (or lost with a dropped SSH session) never settles its
reservation, so it stays counted with its planned steps. Reconciling settles it with the
steps it really spent: the most of what the ledger recorded, its checkpoint, and its step
events (steps after the last checkpoint were spent too), summed over each process that
worked on the run when it was resumed. Its epsilon is recomputed from the ledger's parameters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.audit import Auditor
from core.ledger import LedgerFailure, open_ledger
from core.train.runs import RunInfo, RunsTable, RunStatus, process_alive
from privacy.accounting import epsilon_for
from privacy.ledger import LedgerError, LedgerRun

__all__ = ["STARTUP_GRACE", "Reconciled", "reconcile", "spent_on_disk"]

#: How long a reservation without a running process may be a run still starting up.
STARTUP_GRACE = timedelta(minutes=10)


@dataclass(frozen=True)
class Reconciled:
    """What reconciling did with one reserved run: ``settled`` with ``steps_done`` and
    ``epsilon``, or left reserved because of ``reason``."""

    run_id: str
    dataset: str
    settled: bool
    steps_done: int
    epsilon: float | None
    reason: str


def _events_spent(path: Path, checkpoint_step: int) -> int:
    """Steps spent according to the events file: for each process (a ``start`` event, at the
    step it resumed from) the last step it reported, or the checkpoint for the last one."""
    spans: list[list[int]] = []  # [start step, last step] per process
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        lines = []
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue  # a torn last line from a kill mid-write
        if not isinstance(event, dict) or not isinstance(event.get("step", 0), int):
            continue
        if event.get("event") == "start":
            spans.append([event.get("step", 0), event.get("step", 0)])
        elif event.get("event") == "step":
            if not spans:
                spans.append([0, 0])
            spans[-1][1] = max(spans[-1][1], event["step"])
    if not spans:
        return checkpoint_step
    spans[-1][1] = max(spans[-1][1], checkpoint_step)
    return sum(max(0, last - first) for first, last in spans)


def spent_on_disk(run_dir: Path) -> int:
    """The optimizer steps a run spent, from its checkpoint (``trainer_state.pt``) and its
    ``events.jsonl``."""
    from core.train.checkpoint import checkpointed_step

    return _events_spent(run_dir / "events.jsonl", checkpointed_step(run_dir))


def _older_than_grace(stamp: str, now: datetime) -> bool:
    try:
        return now - datetime.fromisoformat(stamp) > STARTUP_GRACE
    except ValueError:
        return True


def _why_not(run: LedgerRun, info: RunInfo | None, now: datetime) -> str | None:
    """Why a reserved run must stay reserved, or None when its process is gone."""
    if info is None or info.status == RunStatus.QUEUED:
        if _older_than_grace(run.updated_at if info is None else info.updated_at, now):
            return None
        return "it is not running yet (it may be starting now); left reserved"
    if info.status == RunStatus.RUNNING or process_alive(info.pid):
        return f"its process {info.pid} is still running; left reserved"
    return None


def _epsilon(run: LedgerRun, steps: int) -> float | None:
    if run.dp is None:
        return None
    dp = run.dp
    return epsilon_for([(dp.noise_multiplier, dp.sample_rate, steps)], dp.delta, dp.accountant)


def reconcile(root: Path, *, now: datetime | None = None) -> list[Reconciled]:
    """Settle (outcome "reconciled") every reserved run of the workspace at ``root`` whose
    process is no longer running, audit each as "budget.reconcile", and say what was done."""
    now = now or datetime.now(UTC)
    ledger = open_ledger(root)
    reserved = [r for r in ledger.runs() if r.status == "reserved"]
    if not reserved:
        return []
    auditor = Auditor(root)
    table = RunsTable(root)
    done: list[Reconciled] = []
    for run in reserved:
        try:
            info: RunInfo | None = table.get(run.run_id)
        except KeyError:
            info = None
        reason = _why_not(run, info, now)
        if reason is not None:
            done.append(Reconciled(run.run_id, run.dataset, False, run.steps_done, None, reason))
            continue
        steps = max(run.steps_done, spent_on_disk(root / "runs" / run.run_id))
        epsilon = _epsilon(run, steps)
        try:
            auditor.ledger.settle(run.run_id, steps_done=steps, epsilon=epsilon, outcome="reconciled")
        except LedgerError as exc:
            if ledger.get_run(run.run_id).status != "settled":
                raise LedgerFailure(str(exc)) from None
            done.append(Reconciled(run.run_id, run.dataset, False, steps, None, "it was settled meanwhile"))
            continue
        status = "never started" if info is None else info.status.value
        auditor.event("budget.reconcile", run_id=run.run_id, dataset=run.dataset, steps_done=steps,
                      epsilon=None if epsilon is None else round(epsilon, 6), runs_table_status=status)
        done.append(Reconciled(run.run_id, run.dataset, True, steps, epsilon, f"its process is gone ({status})"))
    return done
