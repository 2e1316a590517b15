"""The runs table: statuses, updates, and runs whose process died reported as killed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.train.runs import RunsTable, RunStatus


def test_a_run_moves_through_its_statuses(tmp_path: Path) -> None:
    table = RunsTable(tmp_path)
    info = table.create("r1", "notes", "tiny")
    assert info.status == RunStatus.QUEUED and info.step == 0
    table.update("r1", status=RunStatus.RUNNING, pid=os.getpid(), total_steps=10)
    table.update("r1", step=4, best_val_loss=1.5)
    info = table.get("r1")
    assert (info.status, info.step, info.total_steps, info.best_val_loss) == (RunStatus.RUNNING, 4, 10, 1.5)
    table.update("r1", status=RunStatus.FINISHED, message="done")
    assert [r.run_id for r in table.list()] == ["r1"]
    assert table.get("r1").status == RunStatus.FINISHED


def test_a_running_run_whose_process_is_gone_is_killed(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    table = RunsTable(tmp_path)
    table.create("r2", "notes", "tiny")
    table.update("r2", status=RunStatus.RUNNING, pid=int(dead.stdout))
    assert table.get("r2").status == RunStatus.KILLED


def test_unknown_run(tmp_path: Path) -> None:
    with pytest.raises(KeyError):
        RunsTable(tmp_path).get("nope")
