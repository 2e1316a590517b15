"""The privacy ledger: which datasets exist and which runs trained on them, with every DP
parameter in its own column, so that the privacy spent on a dataset can be recomputed from
the ledger alone.

It is one SQLite file (``<workspace>/privacy/ledger.sqlite``) in WAL mode, written by short
transactions with a busy timeout, read-modify-write ones under ``BEGIN IMMEDIATE``, so two
``medsum`` processes can use it at once.

A run is *reserved* before its first training step and *settled* when it ends. A reserved
run counts with the larger of its planned and done steps, so a run that crashed or was
killed (and never settled) is still counted in full; a settled run counts the steps it did,
and a run settled without a single step spent nothing (not even a non-private one).

A reservation (and the reopening of a resumed run) can carry an ``admit`` check: it is given
the dataset's spend before and after the run, read inside the same ``BEGIN IMMEDIATE``
transaction as the insert, so two runs racing for the last of a budget cannot both pass it.

Opened with a seal key, every write also renews the ledger's seal in its own transaction
(:mod:`privacy.ledger_seal`), so rows changed outside MedSum are detected.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from privacy.accounting import ACCOUNTANTS, epsilon_for
from privacy.ledger_seal import SEAL_SCHEMA, check_seal, read_seal, write_seal

__all__ = [
    "OUTCOMES",
    "PRIVACY_UNITS",
    "DpParams",
    "Ledger",
    "LedgerDataset",
    "LedgerError",
    "LedgerRun",
    "RunAudit",
    "Spend",
    "Admit",
    "counted_steps",
    "run_epsilon",
    "spent_nothing",
]

#: How a settled run ended.
OUTCOMES: tuple[str, ...] = ("finished", "failed", "killed", "reconciled")
#: What one individual is in the DP guarantee.
PRIVACY_UNITS: tuple[str, ...] = ("record", "patient")
_BUSY_MS = 30_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS datasets (
    name TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    records INTEGER NOT NULL,
    patients INTEGER NOT NULL,
    deid TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    dataset TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    model TEXT NOT NULL,
    private INTEGER NOT NULL,
    noise_multiplier REAL,
    sample_rate REAL,
    max_grad_norm REAL,
    delta REAL,
    accountant TEXT,
    privacy_unit TEXT,
    poisson INTEGER,
    population INTEGER,
    expected_batch_size REAL,
    target_epsilon REAL,
    planned_epsilon REAL,
    epsilon REAL,
    steps_planned INTEGER,
    steps_done INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    outcome TEXT,
    override_reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_dataset ON runs (dataset);
CREATE TABLE IF NOT EXISTS run_audits (
    run_id TEXT PRIMARY KEY,
    epsilon_lower REAL NOT NULL,
    confidence REAL NOT NULL,
    canaries INTEGER NOT NULL,
    members INTEGER NOT NULL,
    guesses INTEGER NOT NULL,
    correct INTEGER NOT NULL,
    auc REAL NOT NULL,
    exposure_mean REAL,
    exposure_max REAL,
    accountant_epsilon REAL,
    delta REAL NOT NULL,
    method TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    count INTEGER NOT NULL,
    mac TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""


class LedgerError(Exception):
    """The ledger cannot be read or written, or a change is not allowed; one line naming the run."""


@dataclass(frozen=True)
class DpParams:
    """The DP-SGD parameters of one run: everything needed to recompute its epsilon."""

    noise_multiplier: float
    sample_rate: float  # per step: expected batch / population
    steps: int  # planned optimizer steps
    max_grad_norm: float
    delta: float
    accountant: str  # "prv" | "rdp"
    privacy_unit: str  # "record" | "patient"
    poisson: bool  # True when Poisson sampling was truly used
    population: int  # N: training records (unit record) or training patients (unit patient)
    expected_batch_size: float
    target_epsilon: float | None  # None when --noise-multiplier was given


@dataclass(frozen=True)
class LedgerDataset:
    """A dataset as the ledger knows it: fingerprint, counts and the de-identification summary."""

    name: str
    fingerprint: str
    records: int
    patients: int
    deid: dict[str, Any]
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class LedgerRun:
    """One run in the ledger (every column). ``dp`` is None for a non-private run."""

    run_id: str
    dataset: str
    fingerprint: str
    model: str
    dp: DpParams | None
    planned_epsilon: float | None
    epsilon: float | None
    steps_planned: int | None
    steps_done: int
    status: str  # "reserved" | "settled"
    outcome: str | None
    override_reason: str | None
    created_at: str
    updated_at: str

    @property
    def private(self) -> bool:
        """Whether the run trained with DP-SGD."""
        return self.dp is not None


@dataclass(frozen=True)
class RunAudit:
    """A run's empirical privacy audit (canaries scored after training): the epsilon lower bound
    at its confidence, beside the accountant's epsilon (None for a non-private run). A lower
    bound above the accountant's epsilon means a defect in the mechanism or the accounting."""

    run_id: str
    epsilon_lower: float
    confidence: float
    canaries: int
    members: int
    guesses: int
    correct: int
    auc: float
    exposure_mean: float | None
    exposure_max: float | None
    accountant_epsilon: float | None
    delta: float
    method: str
    created_at: str

    @property
    def defect(self) -> bool:
        """True when the audited lower bound is above the accountant's epsilon."""
        return self.accountant_epsilon is not None and self.epsilon_lower > self.accountant_epsilon


_AUDIT_COLUMNS = ("run_id", "epsilon_lower", "confidence", "canaries", "members", "guesses", "correct", "auc",
                  "exposure_mean", "exposure_max", "accountant_epsilon", "delta", "method", "created_at")


@dataclass(frozen=True)
class Spend:
    """The privacy spent on one dataset.

    ``composed_epsilon`` composes the private runs with the accountant at ``delta``;
    ``naive_epsilon`` and ``naive_delta`` sum the runs' own figures. When ``unbounded`` a
    non-private run trained on the dataset and no epsilon bounds it, whatever the private
    runs compose to: show it as unbounded, never as a number.
    """

    dataset: str
    delta: float | None
    composed_epsilon: float
    naive_epsilon: float
    naive_delta: float
    unbounded: bool
    private_runs: int
    nonprivate_runs: int
    reserved_runs: int
    accountant: str | None = None
    run_epsilons: dict[str, float] = field(default_factory=dict)
    run_steps: dict[str, int] = field(default_factory=dict)


#: A budget check run inside a reservation's transaction: given the dataset's spend before the
#: run (without it) and after it, and the run's DP parameters (None: non-private), it raises to
#: refuse the run, or returns the override reason to record (None when the run fits).
Admit = Callable[[Spend, Spend, "DpParams | None"], "str | None"]


def spent_nothing(run: LedgerRun) -> bool:
    """True for a run settled without a single step (it failed or was refused before training):
    it spent no privacy, so it counts in no spend, and a non-private one leaves the dataset bounded."""
    return run.status == "settled" and run.steps_done == 0


def counted_steps(run: LedgerRun) -> int:
    """The steps a run counts with: a reserved run its planned steps (or more, if it did more),
    a settled run the steps it did."""
    if run.status == "reserved":
        return max(run.steps_planned or 0, run.steps_done)
    return run.steps_done


def run_epsilon(run: LedgerRun, steps: int | None = None) -> float | None:
    """A private run's own epsilon at its own delta after ``steps`` (default: its counted steps);
    the stored figure when it matches those steps, else recomputed. None for a non-private run."""
    if run.dp is None:
        return None
    steps = counted_steps(run) if steps is None else steps
    if run.status == "settled" and run.epsilon is not None and steps == run.steps_done:
        return run.epsilon
    if run.status == "reserved" and run.planned_epsilon is not None and steps == run.steps_planned:
        return run.planned_epsilon
    dp = run.dp
    return epsilon_for([(dp.noise_multiplier, dp.sample_rate, steps)], dp.delta, dp.accountant)


def _spend_of(dataset: str, runs: list[LedgerRun], *, delta: float | None = None,
              extra: DpParams | None = None) -> Spend:
    """The spend of ``runs`` on ``dataset`` (see :meth:`Ledger.spend`)."""
    runs = [r for r in runs if not spent_nothing(r)]
    private = [r for r in runs if r.dp is not None]
    history: list[tuple[float, float, int]] = []
    deltas: list[float] = []
    accountants: set[str] = set()
    run_epsilons: dict[str, float] = {}
    run_steps: dict[str, int] = {}
    for run in private:
        assert run.dp is not None
        steps = counted_steps(run)
        run_steps[run.run_id] = steps
        run_epsilons[run.run_id] = run_epsilon(run, steps) or 0.0
        history.append((run.dp.noise_multiplier, run.dp.sample_rate, steps))
        deltas.append(run.dp.delta)
        accountants.add(run.dp.accountant)
    naive = sum(run_epsilons.values())
    if extra is not None:
        _check_dp("(planned)", extra)
        history.append((extra.noise_multiplier, extra.sample_rate, extra.steps))
        deltas.append(extra.delta)
        accountants.add(extra.accountant)
        naive += epsilon_for([history[-1]], extra.delta, extra.accountant)
    used = delta if delta is not None else (max(deltas) if deltas else None)
    accountant = "rdp" if accountants == {"rdp"} else "prv"
    composed = epsilon_for(history, used, accountant) if used is not None and history else 0.0
    return Spend(
        dataset=dataset, delta=used, composed_epsilon=composed, naive_epsilon=naive, naive_delta=sum(deltas),
        unbounded=len(private) < len(runs), private_runs=len(private) + (extra is not None),
        nonprivate_runs=len(runs) - len(private), reserved_runs=sum(r.status == "reserved" for r in runs),
        accountant=accountant if history else None, run_epsilons=run_epsilons, run_steps=run_steps,
    )


def _with_steps(dp: DpParams, steps: int) -> DpParams:
    from dataclasses import replace

    return replace(dp, steps=steps)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _check_dp(run_id: str, dp: DpParams) -> None:
    problems = []
    if dp.accountant not in ACCOUNTANTS:
        problems.append(f"accountant {dp.accountant!r} (use {' or '.join(ACCOUNTANTS)})")
    if dp.privacy_unit not in PRIVACY_UNITS:
        problems.append(f"privacy unit {dp.privacy_unit!r} (use {' or '.join(PRIVACY_UNITS)})")
    if not (math.isfinite(dp.noise_multiplier) and dp.noise_multiplier > 0):
        problems.append(f"noise multiplier {dp.noise_multiplier}")
    if not 0 < dp.sample_rate <= 1:
        problems.append(f"sample rate {dp.sample_rate}")
    if not 0 < dp.delta < 1:
        problems.append(f"delta {dp.delta}")
    if dp.steps < 0:
        problems.append(f"steps {dp.steps}")
    if dp.population < 1:
        problems.append(f"population {dp.population}")
    if not dp.max_grad_norm > 0:
        problems.append(f"clipping norm {dp.max_grad_norm}")
    if problems:
        raise LedgerError(f"run {run_id}: invalid DP parameters: {', '.join(problems)}")


_RUN_COLUMNS = (
    "run_id", "dataset", "fingerprint", "model", "private", "noise_multiplier", "sample_rate", "max_grad_norm",
    "delta", "accountant", "privacy_unit", "poisson", "population", "expected_batch_size", "target_epsilon",
    "planned_epsilon", "epsilon", "steps_planned", "steps_done", "status", "outcome", "override_reason",
    "created_at", "updated_at",
)
_DATASET_COLUMNS = ("name", "fingerprint", "records", "patients", "deid", "created_at", "updated_at")


def _run_from_row(row: sqlite3.Row) -> LedgerRun:
    dp = None
    if row["private"]:
        dp = DpParams(
            noise_multiplier=row["noise_multiplier"], sample_rate=row["sample_rate"], steps=row["steps_planned"],
            max_grad_norm=row["max_grad_norm"], delta=row["delta"], accountant=row["accountant"],
            privacy_unit=row["privacy_unit"], poisson=bool(row["poisson"]), population=row["population"],
            expected_batch_size=row["expected_batch_size"], target_epsilon=row["target_epsilon"],
        )
    return LedgerRun(
        run_id=row["run_id"], dataset=row["dataset"], fingerprint=row["fingerprint"], model=row["model"], dp=dp,
        planned_epsilon=row["planned_epsilon"], epsilon=row["epsilon"], steps_planned=row["steps_planned"],
        steps_done=row["steps_done"], status=row["status"], outcome=row["outcome"],
        override_reason=row["override_reason"], created_at=row["created_at"], updated_at=row["updated_at"],
    )


class Ledger:
    """The privacy ledger at ``path`` (created with its folder, mode 0700, on first use).

    With ``seal_key`` (see :func:`privacy.ledger_seal.seal_key`) every write also renews the
    ledger's seal; without it, writing a sealed ledger is refused (reading never needs it)."""

    def __init__(self, path: Path, *, seal_key: bytes | None = None) -> None:
        """Open or create the ledger file and its schema, in WAL mode."""
        self.path = Path(path)
        self._seal_key = seal_key
        parent = self.path.parent
        if not parent.is_dir():
            try:
                parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                os.chmod(parent, 0o700)  # mkdir's mode is filtered by the umask
            except OSError as exc:
                raise LedgerError(f"ledger {self.path}: cannot create its folder: {exc.strerror or exc}") from None
        with self._connect() as conn:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise LedgerError(f"ledger {self.path}: cannot switch to WAL mode (got {mode})")
            conn.executescript(_SCHEMA + SEAL_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            conn = sqlite3.connect(self.path, timeout=_BUSY_MS / 1000, isolation_level=None)
        except sqlite3.Error as exc:
            raise LedgerError(f"ledger {self.path}: cannot open: {exc}") from None
        try:
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout={_BUSY_MS}")
            yield conn
        except sqlite3.Error as exc:
            raise LedgerError(f"ledger {self.path}: {type(exc).__name__}: {exc}") from None
        finally:
            conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short read-modify-write transaction, holding the write lock from its start."""
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                if self._seal_key is not None:
                    write_seal(conn, self._seal_key)
                elif read_seal(conn) is not None:
                    raise LedgerError(f"ledger {self.path}: it is sealed, so writing it needs the audit key")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # --- datasets ------------------------------------------------------------------------

    def record_dataset(self, name: str, *, fingerprint: str, records: int, patients: int,
                       deid: dict[str, Any]) -> None:
        """Record (or update) a dataset: its fingerprint, counts and de-identification summary
        (counts by category and the strategy, never a value). For the same fingerprint (the
        same data) the summary already recorded is kept and only completed: a training run
        records its dataset with the few counts ``dataset.json`` holds, and must not erase what
        the import recorded (counts by category, the residual records, the allow-list pass)."""
        now = _now()
        with self._write() as conn:
            row = conn.execute("SELECT fingerprint, deid FROM datasets WHERE name = ?", (name,)).fetchone()
            if row is not None and row["fingerprint"] == fingerprint:
                deid = {**deid, **json.loads(row["deid"])}
            text = json.dumps(deid, sort_keys=True)
            conn.execute(
                "INSERT INTO datasets (name, fingerprint, records, patients, deid, created_at, updated_at) "
                "VALUES (?,?,?,?,?,?,?) ON CONFLICT(name) DO UPDATE SET fingerprint = excluded.fingerprint, "
                "records = excluded.records, patients = excluded.patients, deid = excluded.deid, "
                "updated_at = excluded.updated_at",
                (name, fingerprint, int(records), int(patients), text, now, now),
            )

    def datasets(self) -> list[LedgerDataset]:
        """Every dataset recorded, by name."""
        with self._connect() as conn:
            rows = conn.execute(f"SELECT {', '.join(_DATASET_COLUMNS)} FROM datasets ORDER BY name").fetchall()
        return [LedgerDataset(name=r["name"], fingerprint=r["fingerprint"], records=r["records"],
                              patients=r["patients"], deid=json.loads(r["deid"]), created_at=r["created_at"],
                              updated_at=r["updated_at"]) for r in rows]

    # --- runs ----------------------------------------------------------------------------

    def reserve(self, run_id: str, *, dataset: str, fingerprint: str, model: str, dp: DpParams | None,
                planned_epsilon: float | None, override_reason: str | None = None,
                admit: Admit | None = None) -> str | None:
        """Reserve a run's spend before it trains: status "reserved", 0 steps done, counted
        with ``dp.steps`` planned steps. ``dp`` None records a non-private run.

        ``admit``, when given, checks the budget in the same transaction as the insert (see
        :data:`Admit`); the reason it returns is recorded as the override. Returns the override
        reason recorded."""
        if dp is not None:
            _check_dp(run_id, dp)
        now = _now()
        values: dict[str, Any] = {
            "run_id": run_id, "dataset": dataset, "fingerprint": fingerprint, "model": model,
            "private": int(dp is not None), "planned_epsilon": planned_epsilon, "steps_done": 0,
            "status": "reserved", "override_reason": override_reason, "created_at": now, "updated_at": now,
        }
        if dp is not None:
            values.update(
                noise_multiplier=float(dp.noise_multiplier), sample_rate=float(dp.sample_rate),
                max_grad_norm=float(dp.max_grad_norm), delta=float(dp.delta), accountant=dp.accountant,
                privacy_unit=dp.privacy_unit, poisson=int(bool(dp.poisson)), population=int(dp.population),
                expected_batch_size=float(dp.expected_batch_size), target_epsilon=dp.target_epsilon,
                steps_planned=int(dp.steps),
            )
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM runs WHERE run_id = ?", (run_id,)).fetchone():
                raise LedgerError(f"run {run_id} is already in the privacy ledger")
            if admit is not None:
                before, after = self._before_after(conn, dataset, dp)
                values["override_reason"] = admit(before, after, dp)
            conn.execute(f"INSERT INTO runs ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
                         tuple(values.values()))
        return values["override_reason"]

    def _before_after(self, conn: sqlite3.Connection, dataset: str, dp: DpParams | None,
                      exclude: str | None = None) -> tuple[Spend, Spend]:
        """The spend on ``dataset`` (without run ``exclude``) before and after a run with ``dp``,
        read on ``conn`` (inside its transaction)."""
        runs = [r for r in self._runs(conn, dataset) if r.run_id != exclude]
        before = _spend_of(dataset, runs)
        if dp is None:
            from dataclasses import replace

            return before, replace(before, unbounded=True, nonprivate_runs=before.nonprivate_runs + 1)
        return before, _spend_of(dataset, runs, extra=dp)

    def _reserved(self, conn: sqlite3.Connection, run_id: str) -> sqlite3.Row:
        row = conn.execute("SELECT * FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if row is None:
            raise LedgerError(f"run {run_id} is not in the privacy ledger")
        if row["status"] != "reserved":
            raise LedgerError(f"run {run_id} is already settled ({row['outcome']}) in the privacy ledger")
        return row

    def update_steps(self, run_id: str, steps_done: int) -> None:
        """Record a reserved run's progress (steps done so far; the count never goes down)."""
        with self._write() as conn:
            row = self._reserved(conn, run_id)
            conn.execute("UPDATE runs SET steps_done = ?, updated_at = ? WHERE run_id = ?",
                         (max(int(steps_done), row["steps_done"]), _now(), run_id))

    def settle(self, run_id: str, *, steps_done: int, epsilon: float | None, outcome: str) -> None:
        """Settle a reserved run: status "settled" with its final steps (never fewer than
        recorded) and epsilon; ``outcome`` is "finished", "failed", "killed" or "reconciled"."""
        if outcome not in OUTCOMES:
            raise LedgerError(f"run {run_id}: outcome {outcome!r} is not one of {', '.join(OUTCOMES)}")
        with self._write() as conn:
            row = self._reserved(conn, run_id)
            steps = max(int(steps_done), row["steps_done"])
            conn.execute("UPDATE runs SET status = 'settled', outcome = ?, steps_done = ?, epsilon = ?, "
                         "updated_at = ? WHERE run_id = ?",
                         (outcome, steps, None if row["private"] == 0 else epsilon, _now(), run_id))

    def reopen(self, run_id: str, *, steps_planned: int, admit: Admit | None = None) -> str | None:
        """A resumed run: back to "reserved", counted with ``steps_planned`` spent steps in all
        (the steps already done plus those still to do). Its planned epsilon is recomputed.

        ``admit``, when given, checks the budget in the same transaction: the spend of the
        dataset's other runs before, and after adding this run at ``steps_planned`` (its own
        earlier reservation is not counted twice). The override reason it returns is added to
        the run's record. Returns that reason."""
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if row is None:
            raise LedgerError(f"run {run_id} is not in the privacy ledger")
        planned = None
        if row["private"]:
            planned = epsilon_for([(row["noise_multiplier"], row["sample_rate"], int(steps_planned))],
                                  row["delta"], row["accountant"])
        override = None
        with self._write() as conn:
            row = conn.execute("SELECT * FROM runs WHERE run_id = ?", (run_id,)).fetchone()
            if row is None:
                raise LedgerError(f"run {run_id} is not in the privacy ledger")
            reason = row["override_reason"]
            if admit is not None:
                run = _run_from_row(row)
                dp = None if run.dp is None else _with_steps(run.dp, int(steps_planned))
                before, after = self._before_after(conn, row["dataset"], dp, exclude=run_id)
                override = admit(before, after, dp)
                if override:
                    reason = f"{reason}; resume: {override}" if reason else f"resume: {override}"
            conn.execute("UPDATE runs SET status = 'reserved', outcome = NULL, epsilon = NULL, steps_planned = ?, "
                         "planned_epsilon = ?, override_reason = ?, updated_at = ? WHERE run_id = ?",
                         (int(steps_planned), planned, reason, _now(), run_id))
        return override

    def get_run(self, run_id: str) -> LedgerRun:
        """One run; ``KeyError`` when the ledger has none by that id."""
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if row is None:
            raise KeyError(run_id)
        return _run_from_row(row)

    def runs(self, dataset: str | None = None) -> list[LedgerRun]:
        """Every run (on ``dataset`` only, when given), oldest first."""
        with self._connect() as conn:
            return self._runs(conn, dataset)

    @staticmethod
    def _runs(conn: sqlite3.Connection, dataset: str | None) -> list[LedgerRun]:
        query = "SELECT * FROM runs" + (" WHERE dataset = ?" if dataset is not None else "")
        rows = conn.execute(query + " ORDER BY created_at, run_id", (() if dataset is None else (dataset,))).fetchall()
        return [_run_from_row(r) for r in rows]

    # --- spend ---------------------------------------------------------------------------

    def spend(self, dataset: str, *, delta: float | None = None, extra: DpParams | None = None,
              exclude: str | None = None) -> Spend:
        """The privacy spent on ``dataset``: the private runs composed by the accountant (PRV
        unless every run used RDP) at ``delta`` (default: the largest delta any run used),
        beside the naive sums. ``extra`` adds a planned run, to ask what the spend would be
        after it; ``exclude`` leaves one run out (a resumed run checking its own new plan).
        A run settled without a single step spent nothing and is left out."""
        return _spend_of(dataset, [r for r in self.runs(dataset) if r.run_id != exclude], delta=delta, extra=extra)

    # --- empirical audits ----------------------------------------------------------------------

    def record_audit(self, audit: RunAudit) -> None:
        """Record (or replace) a run's empirical privacy audit; the run must be in the ledger."""
        if not (math.isfinite(audit.epsilon_lower) and audit.epsilon_lower >= 0 and 0 < audit.confidence < 1):
            raise LedgerError(f"run {audit.run_id}: invalid audit (epsilon lower bound {audit.epsilon_lower}, "
                              f"confidence {audit.confidence})")
        values = tuple(getattr(audit, c) for c in _AUDIT_COLUMNS)
        with self._write() as conn:
            if not conn.execute("SELECT 1 FROM runs WHERE run_id = ?", (audit.run_id,)).fetchone():
                raise LedgerError(f"run {audit.run_id} is not in the privacy ledger")
            conn.execute(f"INSERT OR REPLACE INTO run_audits ({', '.join(_AUDIT_COLUMNS)}) "
                         f"VALUES ({', '.join('?' * len(_AUDIT_COLUMNS))})", values)

    def audits(self) -> dict[str, RunAudit]:
        """Every run's empirical audit, by run id."""
        with self._connect() as conn:
            rows = conn.execute(f"SELECT {', '.join(_AUDIT_COLUMNS)} FROM run_audits ORDER BY run_id").fetchall()
        return {r["run_id"]: RunAudit(**{c: r[c] for c in _AUDIT_COLUMNS}) for r in rows}

    # --- the seal ----------------------------------------------------------------------------

    def seal_version(self) -> int:
        """The version of the ledger's seal (0 for a ledger never sealed)."""
        with self._connect() as conn:
            stored = read_seal(conn)
        return 0 if stored is None else stored[0]

    def check_seal(self, key: bytes) -> str | None:
        """Why the rows do not match the seal under ``key`` (one line), or None."""
        with self._connect() as conn:
            return check_seal(conn, key)

    def sealed(self) -> bool:
        """Whether the ledger was ever sealed."""
        with self._connect() as conn:
            return read_seal(conn) is not None

    # --- the audit log's head --------------------------------------------------------------

    def audit_head(self) -> tuple[int, str] | None:
        """The audit log's entry count and last mac (hex) as last recorded, or None."""
        with self._connect() as conn:
            row = conn.execute("SELECT count, mac FROM audit_head WHERE id = 1").fetchone()
        return None if row is None else (int(row["count"]), str(row["mac"]))

    def set_audit_head(self, count: int, mac: str) -> int:
        """Record the audit log's entry count and last mac (hex) after an append; return the
        seal's version after it (0 when unsealed)."""
        with self._write() as conn:
            conn.execute("INSERT INTO audit_head (id, count, mac, updated_at) VALUES (1, ?, ?, ?) "
                         "ON CONFLICT(id) DO UPDATE SET count = excluded.count, mac = excluded.mac, "
                         "updated_at = excluded.updated_at", (int(count), mac, _now()))
        return self.seal_version()
