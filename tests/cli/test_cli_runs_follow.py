"""``medsum runs`` lists live figures (from the events and the process), ``--json`` prints them,
and ``--follow`` follows a run to its end (exit 0 finished, 1 otherwise)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from core.train import follow
from core.train.runs import RunsTable, RunStatus

RUN = "20260101-120000-tiny-ab12"
ANSI = re.compile(r"\x1b\[")


def _dead_pid() -> int:
    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True).stdout)


@pytest.fixture
def ws(medsum, tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    assert medsum("init", "--workspace", str(root)).code == 0
    return root


def _run(ws: Path, run_id: str = RUN, *, pid: int | None = None, total: int = 30) -> Path:
    table = RunsTable(ws)
    table.create(run_id, "notes", "tiny")
    table.update(run_id, status=RunStatus.RUNNING, pid=os.getpid() if pid is None else pid, total_steps=total, step=0)
    directory = ws / "runs" / run_id
    directory.mkdir(parents=True, exist_ok=True)
    return directory / "events.jsonl"


def _write(path: Path, *events: dict) -> None:
    with path.open("a", encoding="utf-8") as handle:
        for event in events:
            handle.write(json.dumps({"time": time.time(), **event}) + "\n")


def _steps(first: int, last: int, total: int = 30, **extra: object) -> list[dict]:
    return [{"event": "step", "step": s, "total_steps": total, "loss": 2.0 - s / 100, "lr": 1e-4,
             "samples_per_s": 8.0, "eta_s": float(total - s), **extra} for s in range(first, last + 1)]


def _plain(text: str) -> None:
    assert "\r" not in text and not ANSI.search(text), repr(text)


def test_runs_lists_the_step_of_the_events_not_of_the_row(medsum, ws: Path) -> None:
    _write(_run(ws), {"event": "start", "step": 0, "total_steps": 30, "dp": None}, *_steps(1, 29))
    line = next(row for row in medsum("runs", "--workspace", str(ws)).out.splitlines() if row.startswith(RUN))
    assert "running" in line and " 29/30 " in line, line
    quiet = medsum("-q", "runs", "--workspace", str(ws)).out.splitlines()  # the table is the result: -q keeps it
    assert quiet[0].split()[:3] == ["run", "status", "steps"] and quiet[1].startswith(RUN)


def test_runs_json(medsum, ws: Path) -> None:
    _write(_run(ws), {"event": "start", "step": 0, "total_steps": 30, "dp": {"epsilon_planned": 3.0}},
           *_steps(1, 12, epsilon=0.75))
    _write(_run(ws, "20260101-130000-tiny-cd34", pid=_dead_pid()), *_steps(1, 3))
    result = medsum("runs", "--workspace", str(ws), "--json")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert (document["schema"], document["schema_version"]) == ("medsum.runs", 1)
    first, second = document["runs"]
    assert {k: first[k] for k in ("run_id", "status", "step", "total_steps", "epsilon", "pid_alive", "dataset",
                                  "model", "best_val_loss", "rouge_l")} == {
        "run_id": RUN, "status": "running", "step": 12, "total_steps": 30, "epsilon": 0.75, "pid_alive": True,
        "dataset": "notes", "model": "tiny", "best_val_loss": None, "rouge_l": None}
    assert first["private"] is True and first["last_event_at"].endswith("+00:00")
    assert (second["status"], second["pid_alive"]) == ("killed", False)


def test_follow_a_finished_run_prints_its_outcome_and_exits_0(medsum, ws: Path) -> None:
    _write(_run(ws), *_steps(1, 30), {"event": "epoch", "epoch": 1, "step": 30, "val_loss": 1.25,
                                      "best_val_loss": 1.25, "early_stop": False},
           {"event": "end", "status": "finished", "step": 30, "message": "done"})
    result = medsum("runs", "--workspace", str(ws), "--follow", RUN)
    assert result.code == 0, result.err
    assert result.out.strip() == f"Run {RUN} finished at step 30/30, best validation loss 1.2500"
    _plain(result.out)


def test_follow_a_killed_run_exits_1(medsum, ws: Path) -> None:
    _write(_run(ws, pid=_dead_pid()), *_steps(1, 7), {"event": "end", "status": "killed"})
    result = medsum("runs", "--workspace", str(ws), "--follow", RUN[:12])  # an unambiguous start of the id
    assert result.code == 1
    assert f"Run {RUN} killed at step 7/30" in result.out


def test_follow_a_run_whose_process_died_without_an_end_exits_1(medsum, ws: Path) -> None:
    pid = _dead_pid()
    _write(_run(ws, pid=pid), *_steps(1, 9))
    result = medsum("runs", "--workspace", str(ws), "--follow", RUN)
    assert result.code == 1
    assert f"the training process (pid {pid}) is gone without an end event, at step 9/30" in result.out


def test_follow_with_no_run_named_or_running_fails_in_one_line(medsum, ws: Path) -> None:
    result = medsum("runs", "--workspace", str(ws), "--follow")
    assert result.code == 1 and result.err.startswith("medsum: error: no run is running") and \
        len(result.err.splitlines()) == 1
    _run(ws, "20260101-120000-tiny-aaaa", pid=_dead_pid())
    _run(ws, "20260101-120000-tiny-bbbb", pid=_dead_pid())
    ambiguous = medsum("runs", "--workspace", str(ws), "--follow", "20260101-1200")
    assert ambiguous.code == 1 and "names 2 runs" in ambiguous.err
    assert medsum("runs", "--workspace", str(ws), "--follow", "--json").code == 2


def test_follow_the_newest_running_run_as_another_thread_writes_it(medsum, ws: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(follow, "POLL_S", 0.01)
    events = _run(ws, total=25)
    _write(events, {"event": "start", "run_id": RUN, "step": 0, "total_steps": 25, "resumed": False, "dp": None},
           *_steps(1, 2, total=25))

    started = threading.Event()
    read_tail = follow.read_tail
    monkeypatch.setattr(follow, "read_tail", lambda *a: (read_tail(*a), started.set())[0])

    def trainer() -> None:
        started.wait(30)  # the follower has read where the run stands: the rest comes as it is written
        for step in range(3, 26):
            _write(events, *_steps(step, step, total=25))
            if step == 12:
                _write(events, {"event": "epoch", "epoch": 1, "step": 12, "val_loss": 1.5, "best_val_loss": 1.5,
                                "early_stop": False})
            time.sleep(0.005)
        _write(events, {"event": "end", "status": "finished", "step": 25, "message": "done"})

    writer = threading.Thread(target=trainer)
    writer.start()
    result = medsum("runs", "--workspace", str(ws), "--follow")
    writer.join()
    assert result.code == 0, result.err
    _plain(result.out)
    lines = result.out.splitlines()
    assert lines[0].startswith(f"Run {RUN} running: step 2/25 (8%) loss 1.9800")  # where it stood
    steps = [int(m.group(1)) for m in map(re.compile(r"^step (\d+)/25").match, lines) if m]
    assert steps == sorted(steps) and len(steps) >= 2 and steps[-1] == 25
    assert lines.index("epoch 1: validation loss 1.5") > 0
    assert lines[-1] == f"Run {RUN} finished at step 25/25, best validation loss 1.5000"
