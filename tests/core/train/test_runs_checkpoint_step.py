"""A killed or failed run shows the step of its newest complete checkpoint, read without torch
(issue 20, item 10: ``medsum runs`` showed a run killed after its step-10 checkpoint as 0/30)."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import torch

from core.train.checkpoint import Progress, save_checkpoint
from core.train.runs import RunsTable, RunStatus, checkpoint_step


def _dead_pid() -> int:
    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True).stdout)


def _save(run_dir: Path, step: int) -> None:
    """A real checkpoint, as the training loop writes it, with a tensor-holding optimizer state."""
    run_dir.mkdir(parents=True, exist_ok=True)
    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.AdamW(model.parameters())
    model(torch.ones(1, 3)).sum().backward()
    optimizer.step()
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 1.0)
    save_checkpoint(run_dir, model, optimizer, scheduler, Progress(epoch=0, batch=20, step=step, total_steps=30))


def _killed_run(root: Path, run_id: str = "r1") -> RunsTable:
    table = RunsTable(root)
    table.create(run_id, "notes", "tiny")
    table.update(run_id, status=RunStatus.RUNNING, pid=_dead_pid(), total_steps=30, step=0)
    return table


def test_a_killed_run_shows_its_checkpoint_step(tmp_path: Path) -> None:
    table = _killed_run(tmp_path)
    _save(tmp_path / "runs" / "r1", 10)
    info = table.get("r1")
    assert (info.status, info.step, info.total_steps) == (RunStatus.KILLED, 10, 30)
    assert [r.step for r in table.list()] == [10]


def _legacy(run_dir: Path, folder: str, step: int) -> Path:
    """A checkpoint of the older layout (``checkpoint/``, ``checkpoint.old/``), tensors included."""
    state = run_dir / folder / "trainer_state.pt"
    state.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"optimizer": {"state": {0: {"exp_avg": torch.ones(3)}}}, "rng": {"torch": torch.get_rng_state()},
                "progress": {"epoch": 0, "batch": 20, "step": step, "total_steps": 30}}, state)
    return state


def test_the_older_layout(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    _legacy(run_dir, "checkpoint.old", 10)  # killed between the two renames of a swap
    assert checkpoint_step(run_dir) == 10
    _legacy(run_dir, "checkpoint", 20)
    assert checkpoint_step(run_dir) == 20


def test_no_or_a_broken_checkpoint_keeps_the_table_step(tmp_path: Path) -> None:
    table = _killed_run(tmp_path)
    table.update("r1", step=4)
    assert table.get("r1").step == 4
    state = tmp_path / "runs" / "r1" / "checkpoint" / "trainer_state.pt"
    state.parent.mkdir(parents=True)
    state.write_bytes(b"not a zip")
    assert checkpoint_step(state.parent.parent) is None and table.get("r1").step == 4


def test_a_running_or_finished_run_keeps_the_table_step(tmp_path: Path) -> None:
    table = RunsTable(tmp_path)
    table.create("r1", "notes", "tiny")
    table.update("r1", status=RunStatus.RUNNING, pid=os.getpid(), total_steps=30, step=0)
    _save(tmp_path / "runs" / "r1", 10)
    assert table.get("r1").step == 0  # its live events say where it is
    table.update("r1", status=RunStatus.FINISHED, step=30)
    assert table.get("r1").step == 30


def test_the_state_file_builds_no_foreign_object(tmp_path: Path) -> None:
    """Only torch's rebuild functions (stubbed) and OrderedDict may appear in the pickle."""
    run_dir = tmp_path / "run"
    state = _legacy(run_dir, "checkpoint", 10)
    torch.save({"progress": {"step": 7}, "x": Path("/")}, state)  # a class outside torch
    assert checkpoint_step(run_dir) is None
    torch.save({"progress": {"step": 7}}, state, pickle_protocol=pickle.HIGHEST_PROTOCOL)
    assert checkpoint_step(run_dir) == 7


def test_the_checkpoints_layout_with_completion_markers(tmp_path: Path) -> None:
    """``checkpoints/step-NNNNNN/`` with ``complete.json`` written last: the newest marked one
    counts; one without its marker (killed while writing) does not."""
    import json

    run_dir = tmp_path / "run"
    for name, step, marked in (("step-000010", 10, True), (".step-000020.1a2b3c4d.tmp", 20, True),
                               ("step-000030", 30, False)):
        folder = run_dir / "checkpoints" / name
        folder.mkdir(parents=True)
        (folder / "trainable.safetensors").write_bytes(b"w")
        (folder / "trainer_state.pt").write_bytes(b"s")
        if marked:
            (folder / "complete.json").write_text(json.dumps({"step": step, "files": {}}))
    assert checkpoint_step(run_dir) == 20
    _legacy(run_dir, "checkpoint", 5)  # an older layout's checkpoint beside them: the highest step wins
    assert checkpoint_step(run_dir) == 20
