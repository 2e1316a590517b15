"""A run's status and step come from its events and its process, not the table row alone
(``medsum runs`` showed "running 0/30" for a run whose events were at step 29)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.train import events as events_module
from core.train.events import summarize_events
from core.train.runs import RunsTable, RunStatus


def _dead_pid() -> int:
    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True).stdout)


def _run(root: Path, *, pid: int, status: RunStatus = RunStatus.RUNNING, step: int = 0) -> tuple[RunsTable, Path]:
    table = RunsTable(root)
    table.create("r1", "notes", "tiny")
    table.update("r1", status=status, pid=pid, total_steps=30, step=step)
    directory = root / "runs" / "r1"
    directory.mkdir(parents=True, exist_ok=True)
    return table, directory / "events.jsonl"


def _write(path: Path, *events: dict) -> None:
    with path.open("a", encoding="utf-8") as handle:
        for event in events:
            handle.write(json.dumps({"time": time.time(), **event}) + "\n")


def _steps(first: int, last: int, total: int = 30, **extra: object) -> list[dict]:
    return [{"event": "step", "step": s, "total_steps": total, "loss": 2.0, "eta_s": float(total - s), **extra}
            for s in range(first, last + 1)]


def test_a_running_run_lists_at_the_step_of_its_events(tmp_path: Path) -> None:
    table, events = _run(tmp_path, pid=os.getpid())
    _write(events, {"event": "start", "step": 0, "total_steps": 30, "dp": None}, *_steps(1, 29))
    info = table.get("r1")
    assert (info.status, info.step, info.total_steps) == (RunStatus.RUNNING, 29, 30)
    assert info.pid_alive and info.eta_s == 1.0 and info.last_event_at is not None
    assert [r.step for r in table.list()] == [29]
    _write(events, *_steps(30, 30))  # read again: what was appended since
    assert table.get("r1").step == 30


def test_a_running_row_whose_process_is_gone_is_killed(tmp_path: Path) -> None:
    table, events = _run(tmp_path, pid=_dead_pid())
    _write(events, {"event": "start", "step": 0, "total_steps": 30, "dp": None}, *_steps(1, 12))
    listed = table.list()[0]
    assert listed.status == RunStatus.KILLED and not listed.pid_alive
    assert table.get("r1").message == "the training process is gone"


@pytest.mark.parametrize("alive", [True, False])
def test_an_end_event_wins_over_a_lagging_row(tmp_path: Path, alive: bool) -> None:
    table, events = _run(tmp_path, pid=os.getpid() if alive else _dead_pid())
    _write(events, {"event": "start", "step": 0, "total_steps": 30, "dp": {"epsilon_planned": 3.0}},
           *_steps(1, 30, epsilon=2.5), {"event": "epoch", "epoch": 1, "step": 30, "val_loss": 1.5,
                                         "best_val_loss": 1.5, "early_stop": False},
           {"event": "end", "status": "finished", "step": 30, "message": "done", "epsilon": 2.9})
    info = table.get("r1")
    assert (info.status, info.step, info.best_val_loss, info.epsilon) == (RunStatus.FINISHED, 30, 1.5, 2.9)
    assert RunsTable(tmp_path).get("r1").status == RunStatus.FINISHED  # not marked killed meanwhile


def test_a_resume_started_after_the_end_of_the_killed_process_is_running(tmp_path: Path) -> None:
    table, events = _run(tmp_path, pid=os.getpid())
    _write(events, *_steps(1, 12), {"event": "end", "status": "killed", "time": time.time() - 60})
    assert table.get("r1").status == RunStatus.RUNNING  # the row (written after that end) wins
    table.update("r1", status=RunStatus.RUNNING, pid=_dead_pid())
    assert table.get("r1").status == RunStatus.KILLED


def test_a_line_still_being_written_is_not_read(tmp_path: Path) -> None:
    table, events = _run(tmp_path, pid=os.getpid())
    _write(events, *_steps(1, 5))
    with events.open("a") as handle:
        handle.write('{"event": "step", "step": 6, "tot')
    assert table.get("r1").step == 5
    with events.open("a") as handle:
        handle.write('al_steps": 30, "loss": 1.0}\n')
    assert table.get("r1").step == 6


def test_a_long_events_file_is_read_from_its_end_then_incrementally(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _, events = _run(tmp_path, pid=os.getpid())
    _write(events, *_steps(1, 40_000, total=40_001))  # about 5 MB
    parsed: list[int] = []
    real = events_module.parse_lines
    monkeypatch.setattr(events_module, "parse_lines", lambda data: parsed.append(len(data)) or real(data))
    assert summarize_events(events).step == 40_000
    assert sum(parsed) < 100_000 < events.stat().st_size
    parsed.clear()
    _write(events, *_steps(40_001, 40_001, total=40_001))
    assert summarize_events(events).step == 40_001
    assert sum(parsed) < 1_000
