"""The privacy ledger as MedSum itself writes it, for tests that fill one by hand."""

from __future__ import annotations

from pathlib import Path

from core.audit import Auditor
from privacy.ledger import Ledger


def sealed_ledger(root: Path) -> Ledger:
    """The ledger of the workspace at ``root`` opened as the product opens it to write (through
    its :class:`~core.audit.Auditor`: audit key created if new, workspace anchored), so rows
    written through it are sealed as the product's own writes are."""
    return Auditor(root).ledger


def copy_trail(root: Path, into: Path) -> None:
    """Copies of the audit log and the ledger in ``into``, as a backup tool would take them
    (the ledger's write-ahead log checkpointed first)."""
    import shutil
    import sqlite3

    from core.audit import audit_path
    from core.ledger import ledger_path

    conn = sqlite3.connect(ledger_path(root))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    into.mkdir()
    shutil.copy2(audit_path(root), into / "audit.jsonl")
    shutil.copy2(ledger_path(root), into / "ledger.sqlite")


def restore_trail(root: Path, backup: Path, *, log: bool = True, ledger: bool = True) -> None:
    """Put back the log and/or the ledger from :func:`copy_trail`'s copies."""
    import shutil

    from core.audit import audit_path
    from core.ledger import ledger_path

    if log:
        shutil.copy2(backup / "audit.jsonl", audit_path(root))
    if ledger:
        for suffix in ("-wal", "-shm"):
            Path(f"{ledger_path(root)}{suffix}").unlink(missing_ok=True)
        shutil.copy2(backup / "ledger.sqlite", ledger_path(root))
