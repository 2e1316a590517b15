"""The workspace's audit log: ``<workspace>/audit/audit.jsonl``, keyed with the audit key
from the secret store, its head kept in the privacy ledger (see :mod:`privacy.audit`).

Callers that must not act without an audit trail open an :class:`Auditor` *before* the
work (that fetches the key, so a missing secret store fails fast and nothing is done), and
record the event once the work succeeded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.errors import MedsumError
from core.ledger import ledger_path, open_ledger
from core.secrets import audit_key, existing_audit_key
from privacy.audit import AuditError, AuditLog, AuditVerification
from privacy.ledger import LedgerError

__all__ = ["AUDIT_OPS", "AuditFailure", "AuditVerification", "Auditor", "audit_event", "audit_path", "verify_audit"]

#: Every operation the audit log records.
AUDIT_OPS: tuple[str, ...] = (
    "data.import", "models.import", "models.verify", "models.sign", "models.export", "deid", "train.start", "train.end",
    "budget.override", "budget.reconcile", "report.export", "audit.verify", "eval", "summarize",
)


class AuditFailure(MedsumError):
    """The audit log cannot be written (one line)."""


def audit_path(root: Path) -> Path:
    """``<workspace>/audit/audit.jsonl``."""
    return Path(root) / "audit" / "audit.jsonl"


class Auditor:
    """The audit log of the workspace at ``root``, with its key already fetched."""

    def __init__(self, root: Path) -> None:
        """Fetch (or create) the audit key; :class:`core.secrets.SecretStoreError` when there is
        no usable secret store."""
        key = audit_key(root)
        self._path = audit_path(root)
        self._log = AuditLog(self._path, key, open_ledger(root))

    def event(self, op: str, **fields: Any) -> None:
        """Append one entry: ``op`` is one of :data:`AUDIT_OPS`; ``fields`` hold ids, names,
        hashes and counts only (never PHI, never record text, never a file path)."""
        if op not in AUDIT_OPS:
            raise ValueError(f"unknown audit operation {op!r}")
        try:
            self._log.append(op, fields)
        except (AuditError, LedgerError, OSError) as exc:
            raise AuditFailure(f"audit log {self._path}: cannot record {op}: {exc}") from None


def audit_event(root: Path, op: str, **fields: Any) -> None:
    """Record operation ``op`` with ``fields`` in the workspace's audit log."""
    Auditor(root).event(op, **fields)


def verify_audit(root: Path) -> AuditVerification:
    """Check the workspace's audit log: every entry's mac and chain link, and its end against
    the head recorded in the privacy ledger. Never creates the key."""
    path = audit_path(root)
    key = existing_audit_key(root)
    if key is None:
        has_entries = path.is_file() and path.stat().st_size > 0
        head = open_ledger(root).audit_head() if ledger_path(root).exists() else None
        if has_entries or head is not None:
            return AuditVerification(False, 0, 1, 1, "the audit key is not in the secret store, so no entry can "
                                                     "be checked (was the keyring replaced?)")
        return AuditVerification(True, 0)
    try:
        return AuditLog(path, key, open_ledger(root)).verify()
    except (LedgerError, OSError) as exc:
        raise AuditFailure(f"audit log {path}: cannot verify: {exc}") from None
