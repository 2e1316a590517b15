"""Which secrets a workspace was made with, so a lost or swapped secret store is refused.

MedSum creates its secrets on first use. If the secret store is lost (``secrets/keyring.cfg``
deleted, another user's OS keyring, a new machine) a naive "create on first use" makes new
keys and goes on: new audit entries no longer chain with the old ones under one key, and
surrogates stop matching. So each workspace keeps ``secrets/keys.json``: for every secret it
has used, a *key id*, a one-way SHA-256 tag of the secret (it reveals nothing of it).

:func:`refusal` says, before a secret is created, whether this workspace has already used
one (its key id is recorded, or, for the audit key of a workspace made before key ids
existed, it holds an audit log, datasets or runs). :func:`mismatch` says whether the secret
the store holds is not the one recorded.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

from core.atomic import atomic_writer

__all__ = ["KEYS_FILE", "key_id", "mismatch", "read_key_ids", "record_key_id", "refusal", "workspace_history"]

#: Where the key ids live, relative to the workspace.
KEYS_FILE = Path("secrets") / "keys.json"


def key_id(name: str, value: bytes) -> str:
    """A short one-way tag of secret ``name``: equal tags mean the same secret."""
    return hashlib.sha256(b"medsum key id\0" + name.encode("ascii") + b"\0" + value).hexdigest()[:16]


def read_key_ids(root: Path) -> dict[str, str]:
    """The key ids recorded for the workspace at ``root`` (empty when none, or unreadable)."""
    try:
        data = json.loads((Path(root) / KEYS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def record_key_id(root: Path, name: str, value: bytes) -> None:
    """Record the key id of secret ``name`` (no-op when it is already recorded)."""
    ids = read_key_ids(root)
    tag = key_id(name, value)
    if ids.get(name) == tag:
        return
    ids[name] = tag
    path = Path(root) / KEYS_FILE
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with atomic_writer(path) as handle:
        handle.write(json.dumps(ids, sort_keys=True, indent=1) + "\n")


def workspace_history(root: Path) -> list[str]:
    """What the workspace at ``root`` already holds that an audit key was needed for: "an
    audit log", "datasets", "runs", "privacy ledger rows" (empty for a new workspace)."""
    root = Path(root)
    found: list[str] = []
    log = root / "audit" / "audit.jsonl"
    if log.is_file() and log.stat().st_size > 0:
        found.append("an audit log")
    for sub in ("datasets", "runs"):  # their folders (runs/ also holds the runs table, runs.sqlite)
        folder = root / sub
        if folder.is_dir() and any(p.is_dir() and not p.name.startswith(".") for p in folder.iterdir()):
            found.append(sub)
    ledger = root / "privacy" / "ledger.sqlite"
    if ledger.is_file() and _ledger_has_rows(ledger):
        found.append("privacy ledger rows")
    return found


def _ledger_has_rows(path: Path) -> bool:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return True  # unreadable: assume it holds something rather than re-key
    try:
        for table in ("datasets", "runs", "audit_head"):
            try:
                if conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():  # noqa: S608 - fixed names
                    return True
            except sqlite3.OperationalError:
                continue
        return False
    except sqlite3.Error:
        return True
    finally:
        conn.close()


def refusal(root: Path, name: str, *, audit_key: bool) -> str | None:
    """Why secret ``name`` must not be created for the workspace at ``root``, or None.

    A recorded key id means the workspace used that secret: the store lost it. For the audit
    key (``audit_key`` true), a workspace with an audit log, datasets or runs used one too."""
    if name in read_key_ids(root):
        return "this workspace already used one (its key id is in secrets/keys.json)"
    if audit_key:
        history = workspace_history(root)
        if history:
            return f"this workspace already holds {', '.join(history)}"
    return None


def mismatch(root: Path, name: str, value: bytes) -> str | None:
    """Why the stored secret ``name`` is not the one the workspace at ``root`` recorded, or None."""
    recorded = read_key_ids(root).get(name)
    if recorded is None or recorded == key_id(name, value):
        return None
    return f"its key id is {key_id(name, value)}, but this workspace was made with key id {recorded}"
