"""Intents: what an import will record, written down before its directory is renamed into place.

A dataset or a model is built in a hidden temporary directory, renamed into the store, then
recorded: a dataset by a row in the privacy ledger and an entry in the audit log, a model by an
entry in the audit log and then the keyed MAC of its manifest (:mod:`core.models.signing`). A
kill between the rename and the record would leave an item in the store that nothing records.
So, just before the rename, the import writes an *intent*
(``<workspace>/privacy/intents/KIND.HEX.json``): which item it is, the SHA-256 of the file that
identifies it (``dataset.json``, ``manifest.json``), and the ledger row and audit entry it will
record (names, hashes, counts and record ids: never PHI). Once the record is written, the intent
is removed.

:func:`reconcile_intents` (run when a command opens the workspace, and by ``medsum doctor``)
settles the intents of killed imports: an item in place is recorded (whichever part of its record
is missing; such an audit entry holds ``recovered: true``), and an intent whose rename never
happened is dropped (its temporary directory is a leftover that :mod:`core.atomic` removes).

An import holds ``intents/.lock`` (``flock``) from writing its intent until removing it, and
reconciling takes the same lock, so an intent seen under the lock belongs to a process that is
gone: no pid has to be trusted.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.atomic import atomic_writer
from core.errors import MedsumError
from core.hashing import sha256_file
from privacy.filelock import exclusive_lock

if TYPE_CHECKING:
    from core.audit import Auditor


__all__ = [
    "KINDS",
    "Intent",
    "IntentOutcome",
    "RecordError",
    "has_intents",
    "intents_dir",
    "new_intent",
    "pending_names",
    "reconcile_at_open",
    "reconcile_intents",
    "record",
    "recording",
]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Kind:
    store: str  # the store directory under the workspace
    identity: str  # the file in an item's directory whose SHA-256 the intent holds
    op: str  # the audit operation
    field: str  # the audit field that names the item


#: What is recorded through intents: datasets and models.
KINDS: dict[str, _Kind] = {
    "dataset": _Kind("datasets", "dataset.json", "data.import", "dataset"),
    "model": _Kind("models", "manifest.json", "models.import", "model"),
}
_FORMAT = 1
_LOCK = ".lock"


class RecordError(MedsumError):
    """An item is in place but its ledger row could not be written (one line)."""


@dataclass(frozen=True)
class Intent:
    """What an import will record once its directory is renamed into the store."""

    kind: str  # a key of KINDS
    name: str
    sha256: str  # of the item's identity file (KINDS[kind].identity)
    ledger: dict[str, Any]  # a dataset's ledger row (Ledger.record_dataset keywords); {} for a model
    audit: dict[str, Any]  # the audit entry's fields
    audit_count: int  # audit entries before the import: its own entry comes after them
    created_at: str


@dataclass(frozen=True)
class IntentOutcome:
    """What reconciling did with one intent: ``completed`` (the item was recorded), ``cleared``
    (it was recorded already), ``dropped`` (the rename never happened) or ``pending`` (it could
    not be recorded now: ``detail`` says why)."""

    kind: str
    name: str
    outcome: str
    detail: str

    def describe(self) -> str:
        """One line: the item and what was done."""
        return f"{self.kind} {self.name}: {self.detail}"


def intents_dir(root: Path) -> Path:
    """``<workspace>/privacy/intents``."""
    return Path(root) / "privacy" / "intents"


def _item(root: Path, kind: str, name: str) -> Path:
    return Path(root) / KINDS[kind].store / name


def new_intent(root: Path, kind: str, name: str, built: Path, *, ledger: dict[str, Any],
               audit: dict[str, Any]) -> Intent:
    """The intent of importing ``built`` (the temporary directory, complete) as ``kind`` ``name``,
    to be recorded with the ledger row ``ledger`` and the audit entry ``audit``."""
    from core.ledger import ledger_path, open_ledger

    head = open_ledger(root).audit_head() if ledger_path(root).exists() else None
    sha, _ = sha256_file(built / KINDS[kind].identity)
    return Intent(kind=kind, name=name, sha256=sha, ledger=json.loads(json.dumps(ledger)),
                  audit=json.loads(json.dumps(audit)), audit_count=head[0] if head else 0,
                  created_at=datetime.now(UTC).isoformat(timespec="microseconds"))


def _in_place(root: Path, intent: Intent) -> bool:
    """Whether the item the intent is about is in the store (its identity file hashes the same)."""
    try:
        return sha256_file(_item(root, intent.kind, intent.name) / KINDS[intent.kind].identity)[0] == intent.sha256
    except OSError:
        return False


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    folder = intents_dir(root)
    for level in (folder.parent, folder):  # owner-only, whatever the umask
        if not level.is_dir():
            level.mkdir(mode=0o700, exist_ok=True)
            os.chmod(level, 0o700)
    with exclusive_lock(folder / _LOCK):
        yield


def _write(root: Path, intent: Intent) -> Path:
    """Write the intent durably: the file fsynced before it takes its name, then its folder."""
    path = intents_dir(root) / f"{intent.kind}.{uuid.uuid4().hex}.json"
    with atomic_writer(path) as handle:
        handle.write(json.dumps({"format": _FORMAT, **asdict(intent)}, sort_keys=True) + "\n")
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return path


def _read(path: Path) -> Intent:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.pop("format", None) != _FORMAT or data.get("kind") not in KINDS:
        raise ValueError("not an intent")
    return Intent(**data)


def _intent_files(root: Path) -> list[Path]:
    folder = intents_dir(root)
    try:
        return sorted(p for p in folder.iterdir() if p.suffix == ".json" and not p.name.startswith("."))
    except OSError:
        return []


def has_intents(root: Path) -> bool:
    """Whether any intent is in the workspace at ``root`` (a cheap look, no lock)."""
    return bool(_intent_files(root))


def pending_names(root: Path, kind: str) -> set[str]:
    """The names of the ``kind`` items whose import left an intent (not recorded yet, or in progress)."""
    names: set[str] = set()
    for path in _intent_files(root):
        try:
            intent = _read(path)
        except (OSError, ValueError, TypeError):
            continue
        if intent.kind == kind:
            names.add(intent.name)
    return names


def _audited(root: Path, intent: Intent) -> bool:
    """Whether the audit log holds the intent's entry, after the entries it had before."""
    from core.audit import logged

    return any(seq > intent.audit_count and {k: v for k, v in fields.items() if k != "recovered"} == intent.audit
               for seq, fields in logged(root, KINDS[intent.kind].op))


def _in_ledger(root: Path, intent: Intent) -> bool:
    """Whether the privacy ledger holds the dataset's row (same fingerprint)."""
    from core.ledger import open_ledger

    return any(d.name == intent.name and d.fingerprint == intent.ledger.get("fingerprint")
               for d in open_ledger(root).datasets())


def _signed(root: Path, intent: Intent) -> bool:
    """Whether the model's manifest carries its keyed MAC."""
    from core.models.signing import ManifestState, manifest_state

    return manifest_state(root, _item(root, intent.kind, intent.name), intent.name) is ManifestState.SIGNED


def record(root: Path, intent: Intent, auditor: Auditor | None = None, *, recovered: bool = False) -> list[str]:
    """Record the item of ``intent``, in place in the store: a dataset's ledger row then its audit
    entry, a model's audit entry then its manifest's MAC. With ``recovered`` (reconciling a killed
    import) only what is missing is written, the audit entry marked ``recovered``. Returns what was
    written ("ledger row", "audit entry", "manifest MAC"). ``auditor`` (which writes the sealed
    ledger) is made when none is given and one is needed."""
    from core.audit import Auditor
    from privacy.ledger import LedgerError

    written: list[str] = []

    def audit() -> Auditor:
        nonlocal auditor
        auditor = auditor or Auditor(root)
        return auditor

    if intent.kind == "dataset" and not (recovered and _in_ledger(root, intent)):
        try:
            audit().ledger.record_dataset(intent.name, **intent.ledger)
        except LedgerError as exc:
            raise RecordError(f"dataset {intent.name!r} is in place but not recorded in the privacy ledger: "
                              f"{exc}") from None
        written.append("ledger row")
    if not (recovered and _audited(root, intent)):
        audit().event(KINDS[intent.kind].op, **({**intent.audit, "recovered": True} if recovered else intent.audit))
        written.append("audit entry")
    if intent.kind == "model" and not (recovered and _signed(root, intent)):
        from core.models.signing import sign_manifest

        sign_manifest(root, _item(root, intent.kind, intent.name), intent.name)
        written.append("manifest MAC")
    return written


@contextmanager
def recording(root: Path, intent: Intent) -> Iterator[None]:
    """Hold the intents lock and keep ``intent`` on disk while the body renames the item into
    place and records it. The intent is removed when the body succeeds, or fails before the item
    is in place; when it fails after (the record could not be written), the intent stays, and the
    next reconcile records the item."""
    with _locked(root):
        path = _write(root, intent)
        try:
            yield
        except BaseException:
            if not _in_place(root, intent):
                path.unlink(missing_ok=True)
            raise
        path.unlink(missing_ok=True)


def _listed(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def reconcile_intents(root: Path) -> list[IntentOutcome]:
    """Settle the intents that killed imports left in the workspace at ``root`` (see the module
    docstring) and say what was done with each. An intent that cannot be read is left, as pending."""
    if not _intent_files(root):
        return []
    done: list[IntentOutcome] = []
    with _locked(root):
        for path in _intent_files(root):
            try:
                intent = _read(path)
            except FileNotFoundError:
                continue  # settled meanwhile
            except (OSError, ValueError, TypeError):
                done.append(IntentOutcome("intent", path.name, "pending",
                                          f"{path} cannot be read: move it out of the workspace"))
                continue
            if not _in_place(root, intent):
                path.unlink(missing_ok=True)
                item = _item(root, intent.kind, intent.name)
                why = (f"{item.relative_to(root)} is not the directory that import built" if item.exists()
                       else "an import killed before its rename")
                done.append(IntentOutcome(intent.kind, intent.name, "dropped", f"dropped the intent of {why}"))
                continue
            try:
                written = record(root, intent, recovered=True)
            except MedsumError as exc:  # no usable secret store, an unwritable ledger or log
                done.append(IntentOutcome(intent.kind, intent.name, "pending", f"not recorded yet: {exc}"))
                continue
            path.unlink(missing_ok=True)
            if written:
                done.append(IntentOutcome(intent.kind, intent.name, "completed",
                                          f"recorded after an interrupted import ({_listed(written)} written)"))
            else:
                done.append(IntentOutcome(intent.kind, intent.name, "cleared", "recorded already; intent cleared"))
    return done


def reconcile_at_open(root: Path) -> list[IntentOutcome]:
    """:func:`reconcile_intents` for a command opening the workspace: each outcome but a cleared
    intent is logged as a warning; a failure is logged too, never raised (``medsum doctor`` reports it)."""
    if not has_intents(root):
        return []
    try:
        outcomes = reconcile_intents(root)
    except (MedsumError, OSError) as exc:
        _log.warning("interrupted imports not reconciled: %s (medsum doctor reports them)", exc)
        return []
    for outcome in outcomes:
        if outcome.outcome != "cleared":
            _log.warning("%s", outcome.describe())
    return outcomes
