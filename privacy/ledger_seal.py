"""The privacy ledger's seal: a keyed MAC over every row, renewed by each write.

The ledger is a plain SQLite file: anyone who can write the workspace can delete a DP run
(and with it the privacy spent on a dataset) or rewrite the audit log's head. The seal is
HMAC-SHA256, under a key derived from the audit key, over a canonical dump of the rows of
``datasets``, ``runs``, ``audit_head`` and ``run_audits`` and a *version* that every sealed write increases
by one. It lives in the one-row table ``seal``; a write seals inside its own transaction, so
the seal and the rows always change together.

A changed, added or deleted row, or a seal written without the key, fails :func:`check_seal`.
Restoring an older copy of the whole file keeps a valid seal: that is what the version is for.
The audit log's anchor in the secret store (:mod:`core.anchor`) records the version at each
audit entry, and a ledger whose version is lower was rolled back.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3

__all__ = ["SEAL_SCHEMA", "check_seal", "has_rows", "read_seal", "seal_key", "write_seal"]

SEAL_SCHEMA = """
CREATE TABLE IF NOT EXISTS seal (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    mac TEXT NOT NULL
);
"""
_TABLES = (("datasets", "name"), ("runs", "run_id"), ("audit_head", "id"), ("run_audits", "run_id"))


def seal_key(audit_key: bytes) -> bytes:
    """The ledger's sealing key, derived from the audit key (so the secret store holds one key)."""
    return hmac.new(audit_key, b"medsum privacy ledger seal v1", hashlib.sha256).digest()


def _digest(conn: sqlite3.Connection, version: int) -> bytes:
    """The canonical bytes the seal covers: every row of the sealed tables, then the version."""
    hasher = hashlib.sha256()
    for table, key in _TABLES:
        cursor = conn.execute(f"SELECT * FROM {table} ORDER BY {key}")  # noqa: S608 - fixed names
        columns = [d[0] for d in cursor.description]
        for row in cursor:
            line = json.dumps([table, dict(zip(columns, tuple(row), strict=True))], sort_keys=True,
                              separators=(",", ":"), ensure_ascii=False, allow_nan=True)
            hasher.update(line.encode("utf-8") + b"\n")
    hasher.update(f"version:{version}".encode("ascii"))
    return hasher.digest()


def _mac(key: bytes, conn: sqlite3.Connection, version: int) -> str:
    return hmac.new(key, _digest(conn, version), hashlib.sha256).hexdigest()


def read_seal(conn: sqlite3.Connection) -> tuple[int, str] | None:
    """The stored (version, mac), or None for a ledger never sealed."""
    row = conn.execute("SELECT version, mac FROM seal WHERE id = 1").fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


def write_seal(conn: sqlite3.Connection, key: bytes) -> int:
    """Seal the rows as they are now in ``conn``'s transaction, one version up; the new version."""
    current = read_seal(conn)
    version = 1 if current is None else current[0] + 1
    conn.execute("INSERT INTO seal (id, version, mac) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                 "version = excluded.version, mac = excluded.mac", (version, _mac(key, conn, version)))
    return version


def has_rows(conn: sqlite3.Connection) -> bool:
    """Whether any sealed table holds a row."""
    return any(conn.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() for t, _ in _TABLES)  # noqa: S608


def check_seal(conn: sqlite3.Connection, key: bytes) -> str | None:
    """Why the ledger's rows do not match its seal (one line), or None when they do, or when it
    was never sealed and holds no row (a ledger from before seals also has rows and no seal:
    the caller tells it from a deleted seal by the anchor)."""
    stored = read_seal(conn)
    if stored is None:
        return "the privacy ledger holds rows but no seal: the seal was deleted" if has_rows(conn) else None
    version, mac = stored
    if not hmac.compare_digest(mac, _mac(key, conn, version)):
        return (f"the privacy ledger's rows do not match its seal (version {version}): rows were changed, "
                "added or deleted outside medsum")
    return None
