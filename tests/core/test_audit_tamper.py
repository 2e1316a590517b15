"""The tamper suite (issue 20 item 4): rollback, truncation and deletion of the audit log and
the privacy ledger, row edits in the ledger, and attacks on the anchor, each detected by
``verify_audit`` and each making the next command that audits refuse to run.

Before the ledger was sealed and anchored, restoring older copies of both files, truncating
the log and rewriting ``audit_head``, and deleting both files all verified OK (the last one
also reset the dataset's privacy spent to epsilon 0).

With the OS keyring (the in-memory keyring here), the anchor is a keyring entry an attacker
with file access cannot reach; with the encrypted-file store it is a MACed file in
``secrets/``, tested as such below.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.anchor import ANCHOR_FILE
from core.audit import AuditFailure, Auditor, audit_path, verify_audit
from core.ledger import ledger_path
from core.workspace import init_workspace, resolve_workspace
from privacy.ledger import DpParams
from tests.ledgers import copy_trail, restore_trail

DP = DpParams(noise_multiplier=1.0, sample_rate=0.01, steps=60, max_grad_norm=1.0, delta=1e-5, accountant="prv",
              privacy_unit="record", poisson=True, population=1000, expected_batch_size=10.0, target_epsilon=None)


@dataclass
class Workspace:
    """A workspace with a history, and a snapshot of its log and ledger taken halfway."""

    root: Path
    old: Path  # the snapshot


def _sql(root: Path, statement: str, *args: object) -> None:
    conn = sqlite3.connect(ledger_path(root), isolation_level=None)
    try:
        conn.execute(statement, args)
    finally:
        conn.close()


def _history(root: Path, snapshot: Path) -> None:
    """Two DP runs on dataset ``notes``, audited as training audits them; the snapshot is
    taken after the first."""
    auditor = Auditor(root)
    auditor.ledger.record_dataset("notes", fingerprint="f" * 64, records=100, patients=40,
                                  deid={"strategy": "redact", "phi_found": 3, "residual": 0, "skipped": 0})
    for n, run_id in enumerate(("r1", "r2")):
        auditor.ledger.reserve(run_id, dataset="notes", fingerprint="f" * 64, model="m", dp=DP, planned_epsilon=1.0)
        auditor.event("train.start", run_id=run_id, dataset="notes")
        auditor.ledger.update_steps(run_id, 30)
        auditor.ledger.settle(run_id, steps_done=60, epsilon=1.0, outcome="finished")
        auditor.event("train.end", run_id=run_id, outcome="finished", steps=60)
        if n == 0:
            copy_trail(root, snapshot)


def _workspace(tmp_path: Path) -> Workspace:
    opened, _ = init_workspace(resolve_workspace(tmp_path / "ws"))
    _history(opened.root, tmp_path / "old")
    assert verify_audit(opened.root).ok
    return Workspace(opened.root, tmp_path / "old")


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A workspace with history, its anchor in the (in-memory) OS keyring."""
    workspace = _workspace(tmp_path)
    assert not (workspace.root / ANCHOR_FILE).exists()
    return workspace


@pytest.fixture
def file_ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """A workspace with history under the encrypted-file store: its anchor is a MACed file."""
    monkeypatch.setenv("MEDSUM_KEYRING", "cryptfile")
    monkeypatch.setenv("MEDSUM_KEYRING_PASSPHRASE", "test")
    workspace = _workspace(tmp_path)
    assert (workspace.root / ANCHOR_FILE).exists()
    return workspace


def _truncate_and_rewrite_head(ws: Workspace) -> None:
    lines = audit_path(ws.root).read_text().splitlines(keepends=True)[:-2]
    audit_path(ws.root).write_text("".join(lines))
    last = json.loads(lines[-1])
    _sql(ws.root, "UPDATE audit_head SET count = ?, mac = ? WHERE id = 1", last["seq"], last["mac"])


def _rewrite_user(ws: Workspace, seq: int) -> None:
    """Put another user's name on entry ``seq``, the rest of the line as it was."""
    lines = audit_path(ws.root).read_text().splitlines(keepends=True)
    entry = json.loads(lines[seq - 1])
    entry["user"] = "someone.else"
    lines[seq - 1] = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
    audit_path(ws.root).write_text("".join(lines))


def _old_ledger_with_current_head(ws: Workspace) -> None:
    head = sqlite3.connect(ledger_path(ws.root)).execute("SELECT count, mac FROM audit_head").fetchone()
    restore_trail(ws.root, ws.old, log=False)
    _sql(ws.root, "UPDATE audit_head SET count = ?, mac = ? WHERE id = 1", *head)


def _forge_seal(ws: Workspace) -> None:
    """Delete run r2, then re-seal with a key of the attacker's own (same algorithm)."""
    from privacy.ledger_seal import seal_key, write_seal

    conn = sqlite3.connect(ledger_path(ws.root), isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("DELETE FROM runs WHERE run_id = 'r2'")
    write_seal(conn, seal_key(os.urandom(32)))
    conn.execute("COMMIT")
    conn.close()


#: Each attack: what it does to the workspace, and a word the verification's reason holds.
ATTACKS: dict[str, tuple[Callable[[Workspace], None], str]] = {
    "restore older copies of the log and the ledger": (lambda ws: restore_trail(ws.root, ws.old), "anchors"),
    "truncate the log and rewrite audit_head": (_truncate_and_rewrite_head, "seal"),
    "delete the log and the ledger": (
        lambda ws: (audit_path(ws.root).unlink(), ledger_path(ws.root).unlink()), "missing"),
    "delete the ledger only": (lambda ws: ledger_path(ws.root).unlink(), "missing"),
    "delete the log only": (lambda ws: audit_path(ws.root).unlink(), "missing"),
    "restore an older ledger only": (lambda ws: restore_trail(ws.root, ws.old, log=False), "ledger"),
    "restore an older log only": (lambda ws: restore_trail(ws.root, ws.old, ledger=False), "cut off"),
    "restore an older ledger with the current head written in": (_old_ledger_with_current_head, "seal"),
    "delete a DP run from the ledger": (lambda ws: _sql(ws.root, "DELETE FROM runs WHERE run_id = 'r2'"), "seal"),
    "lower a run's steps and epsilon": (
        lambda ws: _sql(ws.root, "UPDATE runs SET steps_done = 1, epsilon = 0.01 WHERE run_id = 'r1'"), "seal"),
    "mark a run as spending nothing": (
        lambda ws: _sql(ws.root, "UPDATE runs SET private = 0, steps_done = 0 WHERE run_id = 'r1'"), "seal"),
    "insert a dataset row": (
        lambda ws: _sql(ws.root, "INSERT INTO datasets VALUES ('x', 'f', 1, 1, '{}', 't', 't')"), "seal"),
    "delete the seal": (lambda ws: _sql(ws.root, "DELETE FROM seal"), "seal"),
    "forge the seal with another key": (_forge_seal, "seal"),
    "put another user on the last entry": (lambda ws: _rewrite_user(ws, verify_audit(ws.root).entries), "mac"),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_every_attack_is_detected(ws: Workspace, attack: str) -> None:
    do, word = ATTACKS[attack]
    do(ws)
    result = verify_audit(ws.root)
    assert not result.ok, attack
    assert word in result.reason and "\n" not in result.reason
    # The next command that audits refuses to run, and moves nothing forward.
    with pytest.raises(AuditFailure):
        Auditor(ws.root).event("budget.reconcile", run_id="r9")
    assert not verify_audit(ws.root).ok


@pytest.mark.slow
@pytest.mark.parametrize("attack", ["restore older copies of the log and the ledger",
                                    "delete a DP run from the ledger"])
def test_attacks_are_detected_with_the_encrypted_file_store(file_ws: Workspace, attack: str) -> None:
    """The same attacks with the encrypted-file store (each of its operations costs an Argon2
    derivation, so a sample of them)."""
    do, word = ATTACKS[attack]
    do(file_ws)
    result = verify_audit(file_ws.root)
    assert not result.ok and word in result.reason


def _anchor_tag(root: Path, text: str) -> str:
    from core.secrets import existing_audit_key

    key = existing_audit_key(root)
    assert key is not None
    return hmac.new(hmac.new(key, b"medsum audit anchor v1", hashlib.sha256).digest(), text.encode(),
                    hashlib.sha256).hexdigest()


def test_the_anchor_file_cannot_be_deleted_or_edited(file_ws: Workspace) -> None:
    """With the encrypted-file store the anchor is a file: deleting it, editing it, or
    rewriting it with a valid-looking but unkeyed mac is each detected."""
    opened = file_ws
    anchor = opened.root / ANCHOR_FILE
    original = anchor.read_text()

    anchor.unlink()
    assert "holds no anchor" in verify_audit(opened.root).reason
    data = json.loads(original)
    state = json.loads(data["state"])
    state["count"] = 1
    edited = json.dumps(state, sort_keys=True, separators=(",", ":"))
    anchor.write_text(json.dumps({"state": edited, "tag": data["tag"]}))
    with pytest.raises(AuditFailure, match="does not match its mac"):
        verify_audit(opened.root)
    anchor.write_text(json.dumps({"state": edited, "tag": hashlib.sha256(edited.encode()).hexdigest()}))
    with pytest.raises(AuditFailure, match="does not match its mac"):
        verify_audit(opened.root)
    anchor.write_text(original)
    assert verify_audit(opened.root).ok
    assert _anchor_tag(opened.root, data["state"]) == data["tag"]


def test_another_user_on_an_entry_fails_naming_it(ws: Workspace) -> None:
    """Who did an operation is covered by its entry's mac: editing it anywhere in the log is
    caught and the entry named."""
    _rewrite_user(ws, 2)
    result = verify_audit(ws.root)
    assert not result.ok and result.bad_seq == 2
    assert result.reason.startswith("entry 2 (line 2): its mac does not match")


def test_a_rollback_never_moves_the_anchor_back(ws: Workspace) -> None:
    """After a rollback, a command that audits is refused; the anchor stays where it was, so the
    rollback stays visible even after the attacker's files are used again."""
    anchored = verify_audit(ws.root).entries
    restore_trail(ws.root, ws.old)
    for _ in range(2):
        with pytest.raises(AuditFailure, match="rolled back"):
            Auditor(ws.root).event("audit.verify", ok=True)
    result = verify_audit(ws.root)
    assert not result.ok and f"anchors entry {anchored}" in result.reason


def test_an_untouched_workspace_verifies_and_keeps_working(ws: Workspace) -> None:
    before = verify_audit(ws.root).entries
    Auditor(ws.root).event("audit.verify", ok=True, entries=before)
    result = verify_audit(ws.root)
    assert result.ok and result.entries == before + 1


def test_a_workspace_from_before_seals_is_adopted(tmp_path: Path) -> None:
    """A ledger and a log written before seals and anchors existed verify, and are sealed and
    anchored by the next command, after which the same attacks are caught."""
    from core.anchor import KeyringAnchor
    from core.secrets import open_store

    opened, _ = init_workspace(resolve_workspace(tmp_path / "ws"))
    _history(opened.root, tmp_path / "old")
    _sql(opened.root, "DELETE FROM seal")  # as before seals ...
    store = open_store(opened.root)
    name = KeyringAnchor(store, opened.root)._name  # noqa: SLF001 - the test removes it as never written
    store._backend.delete_password("medsum", name)  # noqa: SLF001 - ... and anchors
    assert verify_audit(opened.root).ok
    Auditor(opened.root).event("audit.verify", ok=True)
    assert verify_audit(opened.root).ok
    _sql(opened.root, "DELETE FROM runs WHERE run_id = 'r2'")
    assert not verify_audit(opened.root).ok
