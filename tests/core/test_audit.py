"""The workspace's audit log: events, verification, and a missing key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.audit import AuditFailure, audit_event, audit_path, verify_audit
from core.ledger import open_ledger


def test_events_chain_and_verify(tmp_path: Path) -> None:
    assert verify_audit(tmp_path).ok and verify_audit(tmp_path).entries == 0  # nothing yet, no key created
    audit_event(tmp_path, "report.export", report_sha256="ab" * 32, datasets=2)
    audit_event(tmp_path, "budget.reconcile", run_id="r1", steps_done=4, epsilon=None)
    result = verify_audit(tmp_path)
    assert result.ok and result.entries == 2
    assert open_ledger(tmp_path).audit_head()[0] == 2  # type: ignore[index]
    assert audit_path(tmp_path).parent.stat().st_mode & 0o777 == 0o700


def test_unknown_operations_and_free_text_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown audit operation 'data.delete'"):
        audit_event(tmp_path, "data.delete", dataset="x")
    with pytest.raises(AuditFailure, match="cannot record deid: audit fields.note: text longer"):
        audit_event(tmp_path, "deid", note="Maria Lopez\nDOB 1957-03-02")


def test_a_lost_key_fails_verification(tmp_path: Path, memory_keyring) -> None:
    audit_event(tmp_path, "deid", records=3)
    memory_keyring.data.clear()
    result = verify_audit(tmp_path)
    assert not result.ok and "the audit key is not in the secret store" in result.reason
    assert json.loads(audit_path(tmp_path).read_text())["op"] == "deid"


def test_logged_lists_the_fields_of_one_operation(tmp_path: Path) -> None:
    from core.audit import logged

    assert list(logged(tmp_path, "models.import")) == []  # no log yet
    audit_event(tmp_path, "models.import", model="tt", manifest_sha256="ab" * 32)
    audit_event(tmp_path, "models.verify", model="tt", ok=True)
    audit_event(tmp_path, "models.import", model="tb", manifest_sha256="cd" * 32)
    with audit_path(tmp_path).open("a") as handle:
        handle.write('{"op":"models.import", torn\n')  # a damaged line is skipped (verify reports it)
    assert list(logged(tmp_path, "models.import")) == [
        (1, {"model": "tt", "manifest_sha256": "ab" * 32}), (3, {"model": "tb", "manifest_sha256": "cd" * 32})]
