"""``medsum doctor`` reports the temporaries of killed processes in the workspace (count, size,
names; never content) and opening the workspace removes them, never one of a live process
(issue 20, item 9)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.core.test_leftovers import dead_pid, temp_dataset, temp_file


def _leftovers_check(medsum, ws: Path) -> dict[str, str]:
    data = json.loads(medsum("doctor", "--json", "--quick", "-w", str(ws)).out)
    return next(c for c in data["checks"] if c["name"] == "leftovers")


def test_doctor_reports_then_init_removes_a_dead_process_temporaries(medsum, workspace_dir: Path) -> None:
    ws = workspace_dir
    assert medsum("init", "-w", str(ws)).code == 0
    assert _leftovers_check(medsum, ws)["status"] == "ok"
    dead = dead_pid()
    dataset = temp_dataset(ws / "datasets", "notes", dead)
    partial = temp_file(ws / "runs", "runs.json", dead, "Zelda Quint")
    live = temp_file(ws / "runs", "status.json", os.getpid())
    check = _leftovers_check(medsum, ws)
    assert check["status"] == "warn"
    assert check["detail"].startswith("2 temporary file(s) of killed processes, 1011 B: ")
    assert str(dataset.relative_to(ws)) in check["detail"] and str(partial.relative_to(ws)) in check["detail"]
    assert "Zelda" not in check["detail"] and str(live.name) not in check["detail"]
    assert "medsum init" in check["fix"]
    assert dataset.exists() and partial.exists()  # doctor changes nothing
    assert medsum("init", "-w", str(ws)).code == 0
    assert not dataset.exists() and not partial.exists() and live.exists()
    assert _leftovers_check(medsum, ws)["status"] == "ok"
