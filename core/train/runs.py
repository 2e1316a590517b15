"""The workspace's runs table (SQLite): every training run and its status.

A run is ``queued`` when created, ``running`` while a process trains it, then ``finished``,
``failed`` or ``killed``. The table is written at a run's start, at each epoch's end and at its
end; what a listing shows is the row brought up to date by :func:`live_info`: the step of the
run's events (``runs/RUN/events.jsonl``), the outcome of its "end" event even when the row lags,
and ``killed`` for a run left ``running`` by a process that no longer exists (a ``kill -9``, a
dropped SSH session without nohup).
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

from core.train.events import summarize_events

__all__ = ["RunInfo", "RunStatus", "RunsTable", "checkpoint_step", "iso_seconds", "live_info", "process_alive"]

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
    # what live_info adds from the run's events and process (a bare row has the defaults)
    pid_alive: bool = False
    last_event_at: float | None = None  # the newest event's time, seconds since the epoch
    loss: float | None = None  # the latest training loss
    epsilon: float | None = None  # the latest epsilon a DP run reported (the ledger has the settled one)
    eta_s: float | None = None  # seconds left, while running
    private: bool | None = None  # trained with DP (None: not known)


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


_PRIVATE_CACHE: dict[tuple[str, int], bool | None] = {}


def _private(run_dir: Path) -> bool | None:
    """Whether the run trains with DP, from its ``config.json`` (None when it cannot be read)."""
    path = run_dir / "config.json"
    try:
        key = (str(path), path.stat().st_mtime_ns)
        if key not in _PRIVATE_CACHE:
            dp = json.loads(path.read_text(encoding="utf-8"))["config"]["dp"]
            _PRIVATE_CACHE[key] = dp if isinstance(dp, bool) else None
        return _PRIVATE_CACHE[key]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def iso_seconds(iso: str) -> float:
    """An ISO time of the table as seconds since the epoch (0 when it cannot be read)."""
    try:
        return datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return 0.0


_ENDED = {s.value: s for s in (RunStatus.FINISHED, RunStatus.FAILED, RunStatus.KILLED)}
_GONE = "the training process is gone"


def live_info(info: RunInfo, run_dir: Path) -> RunInfo:
    """The run as it stands now: its recorded row ``info`` brought up to date by its events
    file (``run_dir/events.jsonl``, read from its end) and its process's liveness.

    - The newest "end" event gives the outcome (status, step, epsilon), even when the row still
      says "running"; unless the row is "running" with a live process and was written after
      that event (a resume has started, and has not written its own events yet).
    - A "running" row whose process is gone, with no end event, is "killed".
    - A running run has the step, loss, epsilon and ETA of its latest events.
    - A killed or failed run has the step of its newest complete checkpoint when that is
      further than the row's (where ``--resume`` starts), as before.
    """
    run_dir = Path(run_dir)
    summary = summarize_events(run_dir / "events.jsonl")
    alive = process_alive(info.pid)
    fields: dict[str, object] = {"pid_alive": alive, "private": _private(run_dir)}
    if summary is not None:
        fields.update(last_event_at=summary.last_time, loss=summary.loss, epsilon=summary.epsilon)
        if summary.private is not None and fields["private"] is None:
            fields["private"] = summary.private
        if summary.best_val_loss is not None:
            fields["best_val_loss"] = summary.best_val_loss
    end = summary.end if summary is not None else None
    ended = _ENDED.get(str(end.get("status"))) if end is not None else None
    restarted = end is not None and info.status == RunStatus.RUNNING and alive and \
        iso_seconds(info.updated_at) > (_number_or_zero(end.get("time")))
    if ended is not None and not restarted:
        assert end is not None and summary is not None
        fields["status"] = ended
        if summary.step is not None and ended == RunStatus.FINISHED:
            fields["step"] = summary.step
        if info.status != ended:
            fields["message"] = str(end.get("message") or end.get("error") or ended.value)
    elif info.status == RunStatus.RUNNING and not alive:
        fields.update(status=RunStatus.KILLED, message=_GONE)
    elif info.status == RunStatus.RUNNING and summary is not None:
        if summary.step is not None:
            fields["step"] = summary.step
        if summary.total_steps is not None:
            fields["total_steps"] = summary.total_steps
        fields["eta_s"] = summary.eta_s
    live = replace(info, **fields)  # type: ignore[arg-type]
    if live.status in (RunStatus.KILLED, RunStatus.FAILED):
        # the table's step is written at each epoch's end; a run stopped mid-epoch got
        # further, and its newest checkpoint says how far (what a resume starts from)
        saved = checkpoint_step(run_dir)
        if saved is not None and saved > info.step:
            live = replace(live, step=saved)
    return live


def _number_or_zero(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


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
        live = live_info(info, self.path.parent / info.run_id)
        if info.status == RunStatus.RUNNING and live.status == RunStatus.KILLED and live.message == _GONE:
            self._mark_gone(info)
        return live

    def _mark_gone(self, info: RunInfo) -> None:
        """Record "killed" for a run whose process is gone without an end event, unless the
        row changed meanwhile (the process finished, or a resume started)."""
        with self._connect() as conn:
            conn.execute("UPDATE runs SET status = ?, message = ?, updated_at = ? "
                         "WHERE run_id = ? AND status = ? AND pid IS ?",
                         (RunStatus.KILLED.value, _GONE, _now(), info.run_id,
                          RunStatus.RUNNING.value, info.pid))

    def get(self, run_id: str) -> RunInfo:
        """One run as it stands now (:func:`live_info`); ``KeyError`` when there is none by that id."""
        with self._connect() as conn:
            row = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if row is None:
            raise KeyError(run_id)
        return self._row(row)

    def list(self) -> list[RunInfo]:
        """Every run, oldest first, as it stands now (:func:`live_info`)."""
        with self._connect() as conn:
            rows = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM runs ORDER BY created_at, run_id").fetchall()
        return [self._row(row) for row in rows]
