"""The workspace's audit log: ``<workspace>/audit/audit.jsonl``, keyed with the audit key
from the secret store, its head kept in the privacy ledger (see :mod:`privacy.audit`), which
is sealed (:mod:`privacy.ledger_seal`), and both anchored in the secret store
(:mod:`core.anchor`).

Callers that must not act without an audit trail open an :class:`Auditor` *before* the
work (that fetches the key, so a missing secret store fails fast and nothing is done), and
record the event once the work succeeded.

Every entry names its actor (the OS user and host, or keyed tokens of them when the config
or IT policy says ``[audit] actor = "hashed"``). Access to identifiable data (a raw record
summarized or viewed, a summary exported) lists the record ids touched through
:func:`record_ids`, never a value.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from core.errors import MedsumError
from core.anchor import open_anchor
from core.ledger import ledger_path, open_ledger
from core.secrets import workspace_secret
from privacy.audit import (
    Anchored,
    AnchorStore,
    AuditError,
    AuditLog,
    AuditVerification,
    actor_key,
    current_actor,
    hashed_actor_value,
)
from privacy.ledger import Ledger, LedgerError
from privacy.ledger_seal import seal_key
from privacy.secrets import AUDIT_KEY

__all__ = ["AUDIT_OPS", "MAX_LISTED_IDS", "ActorMode", "AuditFailure", "AuditVerification", "Auditor",
           "actor_tokens", "audit_event", "audit_path", "logged", "read_entries", "record_ids", "verify_audit"]

#: Every operation the audit log records.
AUDIT_OPS: tuple[str, ...] = (
    "data.import", "models.import", "models.verify", "models.sign", "models.export", "deid", "train.start", "train.end",
    "budget.override", "budget.reconcile", "report.export", "audit.verify", "eval", "summarize", "records.view",
    "summary.export", "deid.eval", "privacy.audit",
)

#: How many record ids one entry lists; the rest are counted and hashed (:func:`record_ids`).
MAX_LISTED_IDS = 20
_LONGEST_ID = 128

ActorMode = Literal["name", "hashed"]


class AuditFailure(MedsumError):
    """The audit log cannot be written (one line)."""


def audit_path(root: Path) -> Path:
    """``<workspace>/audit/audit.jsonl``."""
    return Path(root) / "audit" / "audit.jsonl"


class Auditor:
    """The audit log of the workspace at ``root``, with its key already fetched, and its
    privacy ledger opened for sealed writes (:attr:`ledger`)."""

    def __init__(self, root: Path, actor: ActorMode | None = None) -> None:
        """Fetch (or create) the audit key and check the ledger's seal and the anchor before any
        work: :class:`core.secrets.SecretStoreError` when there is no usable secret store,
        :class:`AuditFailure` when the ledger or the log was tampered with or rolled back.
        ``actor``: how entries name their actor, "name" or "hashed" (default: the workspace's
        ``[audit] actor`` setting, IT policy applied)."""
        mode = actor or _actor_mode(root)
        key = workspace_secret(root, AUDIT_KEY)
        self._path = audit_path(root)
        self.ledger: Ledger = open_ledger(root, key=key)
        anchor = open_anchor(root, key)
        try:
            anchored = anchor.read()
            problem = _seal_problem(self.ledger, key, anchor, anchored)
            if not problem and anchored is None:
                _first_anchor(self.ledger, anchor)
        except (AuditError, LedgerError) as exc:
            problem = str(exc)
        if problem:
            raise AuditFailure(f"audit log {self._path}: {problem}; nothing was done; run `medsum audit verify`")
        who = current_actor()
        if mode == "hashed":
            who = who.hashed(actor_key(key))
        self._log = AuditLog(self._path, key, self.ledger, anchor, who)
        problem = self._log.tail_problem() or self._log.rollback_problem()
        if problem:
            raise AuditFailure(f"audit log {self._path}: {problem}; nothing was done; run `medsum audit verify`")

    def event(self, op: str, **fields: Any) -> int:
        """Append one entry and return its seq (a report can name the entry that recorded it):
        ``op`` is one of :data:`AUDIT_OPS`; ``fields`` hold ids, names, hashes and counts only
        (never PHI, never record text, never a file path)."""
        if op not in AUDIT_OPS:
            raise ValueError(f"unknown audit operation {op!r}")
        try:
            return int(self._log.append(op, fields)["seq"])
        except (AuditError, LedgerError, OSError) as exc:
            raise AuditFailure(f"audit log {self._path}: cannot record {op}: {exc}") from None


def _actor_mode(root: Path) -> ActorMode:
    """The workspace's ``[audit] actor`` setting, with the IT policy laid over it."""
    from core.config import load_config
    from core.workspace import CONFIG_NAME

    return load_config(Path(root) / CONFIG_NAME).config.audit.actor


def record_ids(ids: Sequence[str]) -> dict[str, Any]:
    """The audit fields naming the records an operation touched: ``records`` (how many),
    ``record_ids`` (the first :data:`MAX_LISTED_IDS`, in order) and ``record_ids_sha256``
    (SHA-256 of every id, sorted, one per line, UTF-8), so a long list stays one short line
    and can still be checked against a list of ids. An id too long or not printable for an
    entry is listed as ``sha256:`` and its hash instead."""
    listed = [_listed_id(i) for i in ids[:MAX_LISTED_IDS]]
    joined = "".join(f"{i}\n" for i in sorted(ids)).encode("utf-8", "surrogatepass")
    return {"records": len(ids), "record_ids": listed, "record_ids_sha256": hashlib.sha256(joined).hexdigest()}


def _listed_id(record_id: str) -> str:
    if len(record_id) <= _LONGEST_ID and record_id.isprintable():
        return record_id
    return "sha256:" + hashlib.sha256(record_id.encode("utf-8", "surrogatepass")).hexdigest()


def _first_anchor(ledger: Ledger, anchor: AnchorStore) -> None:
    """Anchor a workspace that has no anchor yet (a new one, or one from before anchors) at its
    head as it is, before any sealed write: from then on a missing anchor means a deleted one."""
    head = ledger.audit_head()
    count, mac = head if head is not None else (0, "")
    anchor.write(Anchored(count, mac, ledger.seal_version()))


def _seal_problem(ledger: Ledger, key: bytes, anchor: AnchorStore, anchored: Anchored | None) -> str | None:
    """Why the ledger's seal, or the anchor (``anchored``, as just read from ``anchor``), says
    the ledger was tampered with; None when not.

    A ledger with rows but no seal is one from before seals when nothing is anchored either
    (it is sealed at its next write); with an anchor, its seal was deleted."""
    if not ledger.sealed() and anchored is None:
        return None
    problem = ledger.check_seal(seal_key(key))
    if problem:
        return problem
    if anchored is None:
        return (f"the privacy ledger is sealed but {anchor.where} holds no anchor: the anchor was deleted or "
                "the secret store replaced")
    return None


def audit_event(root: Path, op: str, **fields: Any) -> None:
    """Record operation ``op`` with ``fields`` in the workspace's audit log."""
    Auditor(root).event(op, **fields)


def verify_audit(root: Path) -> AuditVerification:
    """Check the workspace's audit log: every entry's mac and chain link, its end against the
    head recorded in the privacy ledger, the ledger's seal, and both against the anchor in the
    secret store (rollback, truncation or deletion of either file). Never creates the key."""
    path = audit_path(root)
    key = workspace_secret(root, AUDIT_KEY, create=False)
    has_entries = path.is_file() and path.stat().st_size > 0
    if key is None:
        head = open_ledger(root).audit_head() if ledger_path(root).exists() else None
        if has_entries or head is not None:
            return AuditVerification(False, 0, 1, 1, "the audit key is not in the secret store, so no entry can "
                                                     "be checked (was the keyring replaced?)")
        return AuditVerification(True, 0)
    try:
        anchor = open_anchor(root, key)
        anchored = anchor.read()
        if not ledger_path(root).exists() and (anchored is not None or has_entries):
            return AuditVerification(False, 0, None, None, f"the privacy ledger {ledger_path(root)} is missing: it was "
                                                           "deleted (with it the privacy spent on every dataset)")
        ledger = open_ledger(root)
        problem = _seal_problem(ledger, key, anchor, anchored)
        if problem:
            return AuditVerification(False, 0, None, None, problem)
        return AuditLog(path, key, ledger, anchor).verify()
    except (AuditError, LedgerError, OSError) as exc:
        raise AuditFailure(f"audit log {path}: cannot verify: {exc}") from None


def logged(root: Path, op: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """The ``(seq, fields)`` of every entry of operation ``op`` in the workspace's audit log, as
    written: macs are not checked here (:func:`verify_audit` does that); unreadable lines are skipped."""
    marker = json.dumps({"op": op}, separators=(",", ":"))[1:-1].encode("utf-8")  # '"op":"<op>"'
    try:
        data = audit_path(root).read_bytes()
    except FileNotFoundError:
        return
    for raw in data.split(b"\n"):
        if marker not in raw:
            continue
        try:
            entry = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            continue
        if isinstance(entry, dict) and entry.get("op") == op and isinstance(entry.get("seq"), int) \
                and isinstance(entry.get("fields"), dict):
            yield entry["seq"], entry["fields"]


def read_entries(root: Path) -> list[dict[str, Any]]:
    """Every entry of the workspace's audit log, as written (macs are not checked here:
    :func:`verify_audit` does that); lines that are not JSON objects are skipped."""
    try:
        data = audit_path(root).read_bytes()
    except FileNotFoundError:
        return []
    entries = []
    for raw in data.split(b"\n"):
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


def actor_tokens(root: Path, user: str) -> set[str]:
    """What the user name ``user`` reads as in the workspace's entries: the name itself and,
    when the audit key is in the secret store, its hashed token (for ``audit show --user``)."""
    key = workspace_secret(root, AUDIT_KEY, create=False)
    tokens = {user}
    if key is not None:
        tokens.add(hashed_actor_value(actor_key(key), "user", user))
    return tokens
