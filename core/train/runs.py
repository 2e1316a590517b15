"""The workspace's runs table (SQLite): every training run and its status.

A run is ``queued`` when created, ``running`` while a process trains it, then ``finished``,
``failed`` or ``killed``. A run left ``running`` by a process that no longer exists (a
``kill -9``, a dropped SSH session without nohup) is reported as ``killed``.
"""

from __future__ import annotations

import json
import os
import pickle
import sqlite3
import zipfile
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

__all__ = ["RunInfo", "RunStatus", "RunsTable", "checkpoint_step", "process_alive"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    dataset TEXT NOT NULL,
    model TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    pid INTEGER,
    step INTEGER NOT NULL DEFAULT 0,
    total_steps INTEGER,
    best_val_loss REAL,
    message TEXT,
    eval TEXT
)
"""
_COLUMNS = ("run_id", "dataset", "model", "status", "created_at", "updated_at", "pid", "step",
            "total_steps", "best_val_loss", "message", "eval")


class RunStatus(StrEnum):
    """Where a run stands."""

    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    KILLED = "killed"


@dataclass(frozen=True)
class RunInfo:
    """One row of the runs table."""

    run_id: str
    dataset: str
    model: str
    status: RunStatus
    created_at: str
    updated_at: str
    pid: int | None
    step: int
    total_steps: int | None
    best_val_loss: float | None
    message: str | None
    eval: dict[str, object] | None = None  # headline figures of the latest `medsum eval`


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def process_alive(pid: int | None) -> bool:
    """True when process ``pid`` exists (``None``: no process)."""
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _StateUnpickler(pickle.Unpickler):
    """Reads the plain values of a checkpoint's ``trainer_state.pt`` without torch: each tensor
    (a torch rebuild function over a persistent storage) becomes None. Any class other than
    torch's and ``OrderedDict`` is refused, so nothing arbitrary is built."""

    def find_class(self, module: str, name: str) -> object:
        if module == "collections" and name == "OrderedDict":
            return OrderedDict
        if module == "torch" or module.startswith("torch."):
            return _nothing
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed")

    def persistent_load(self, pid: object) -> None:
        return None


def _nothing(*args: object, **kwargs: object) -> None:
    return None


_STEP_CACHE: dict[tuple[str, int, int], int | None] = {}


def _state_step(state: Path) -> int | None:
    """The ``progress.step`` in a checkpoint state file (torch's zip format), or None."""
    try:
        stat = state.stat()
        key = (str(state), stat.st_mtime_ns, stat.st_size)
        if key in _STEP_CACHE:
            return _STEP_CACHE[key]
        with zipfile.ZipFile(state) as archive:
            name = next(n for n in archive.namelist() if n.endswith("/data.pkl") or n == "data.pkl")
            with archive.open(name) as handle:
                data = _StateUnpickler(handle).load()
        step = data["progress"]["step"]
        found = step if isinstance(step, int) and not isinstance(step, bool) and step >= 0 else None
    except (OSError, StopIteration, zipfile.BadZipFile, pickle.UnpicklingError, KeyError, TypeError, ValueError,
            EOFError, AttributeError, IndexError, RecursionError):
        return None
    _STEP_CACHE[key] = found
    return found


def _marked_step(directory: Path) -> int | None:
    """The step in a checkpoint directory's completion marker (``complete.json``, written last),
    when it and both checkpoint files are there. The files are not re-hashed: this is for a
    listing, and resume checks them before it uses one."""
    try:
        marker = json.loads((directory / "complete.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    step = marker.get("step") if isinstance(marker, dict) else None
    if not isinstance(step, int) or isinstance(step, bool) or step < 0:
        return None
    if not all((directory / name).is_file() for name in ("trainable.safetensors", "trainer_state.pt")):
        return None
    return step


def checkpoint_step(run_dir: Path) -> int | None:
    """The optimizer step of the run's newest complete checkpoint, or None when it has none.

    Read without torch (``medsum runs`` and the TUI list runs without loading it). Both
    layouts: ``checkpoints/*/`` with a completion marker, and the older ``checkpoint/`` (or,
    when a kill fell between the two renames of a swap, ``checkpoint.old/``)."""
    steps: list[int] = []
    try:
        marked = [p for p in (run_dir / "checkpoints").iterdir() if p.is_dir()]
    except OSError:
        marked = []
    steps += [step for step in map(_marked_step, marked) if step is not None]
    for directory in ("checkpoint", "checkpoint.old"):
        step = _state_step(run_dir / directory / "trainer_state.pt")
        if step is not None:
            steps.append(step)
            break
    return max(steps, default=None)


class RunsTable:
    """Read and update ``runs/runs.sqlite`` in a workspace."""

    def __init__(self, root: Path) -> None:
        """``root`` is the workspace directory."""
        self.path = root / "runs" / "runs.sqlite"

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            conn.execute(_SCHEMA)
            if "eval" not in {row[1] for row in conn.execute("PRAGMA table_info(runs)")}:
                conn.execute("ALTER TABLE runs ADD COLUMN eval TEXT")  # a table from before evaluation
            with conn:
                yield conn
        finally:
            conn.close()

    def create(self, run_id: str, dataset: str, model: str) -> RunInfo:
        """Register a new run as ``queued``."""
        now = _now()
        with self._connect() as conn:
            conn.execute("INSERT INTO runs (run_id, dataset, model, status, created_at, updated_at) VALUES (?,?,?,?,?,?)",
                         (run_id, dataset, model, RunStatus.QUEUED.value, now, now))
        return self.get(run_id)

    def update(self, run_id: str, *, status: RunStatus | None = None, pid: int | None = None, step: int | None = None,
               total_steps: int | None = None, best_val_loss: float | None = None, message: str | None = None) -> None:
        """Change the given fields of a run (and its ``updated_at``)."""
        fields: dict[str, object] = {"updated_at": _now()}
        for name, value in (("status", status.value if status else None), ("pid", pid), ("step", step),
                            ("total_steps", total_steps), ("best_val_loss", best_val_loss), ("message", message)):
            if value is not None:
                fields[name] = value
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with self._connect() as conn:
            conn.execute(f"UPDATE runs SET {assignments} WHERE run_id = ?", (*fields.values(), run_id))

    def set_eval(self, run_id: str, headline: dict[str, object]) -> None:
        """Register the headline figures of an evaluation on the run (for ``runs``, the TUI, reports)."""
        with self._connect() as conn:
            conn.execute("UPDATE runs SET eval = ?, updated_at = ? WHERE run_id = ?",
                         (json.dumps(headline, sort_keys=True), _now(), run_id))

    def _row(self, row: tuple[object, ...]) -> RunInfo:
        data = dict(zip(_COLUMNS, row, strict=True))
        data["eval"] = json.loads(str(data["eval"])) if data["eval"] else None
        info = RunInfo(**{**data, "status": RunStatus(str(data["status"]))})  # type: ignore[arg-type]
        if info.status == RunStatus.RUNNING and not process_alive(info.pid):
            self.update(info.run_id, status=RunStatus.KILLED, message="the training process is gone")
            return self.get(info.run_id)
        if info.status in (RunStatus.KILLED, RunStatus.FAILED):
            # the table's step is written at each epoch's end; a run stopped mid-epoch got
            # further, and its newest checkpoint says how far (what a resume starts from)
            saved = checkpoint_step(self.path.parent / info.run_id)
            if saved is not None and saved > info.step:
                return replace(info, step=saved)
        return info

    def get(self, run_id: str) -> RunInfo:
        """One run; ``KeyError`` when there is none by that id."""
        with self._connect() as conn:
            row = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if row is None:
            raise KeyError(run_id)
        return self._row(row)

    def list(self) -> list[RunInfo]:
        """Every run, oldest first."""
        with self._connect() as conn:
            rows = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM runs ORDER BY created_at, run_id").fetchall()
        return [self._row(row) for row in rows]
