"""A dataset import is recorded in the privacy ledger and the audit log, with counts and hashes only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backends import fail

from core.audit import audit_path, verify_audit
from core.datasets import import_dataset
from core.ledger import open_ledger
from core.secrets import SecretStoreError
from core.workspace import Workspace


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_import_is_audited_and_in_the_ledger_without_phi(workspace: Workspace, corpus_file: Path) -> None:
    entry = import_dataset(workspace, corpus_file, "notes", strategy="redact")
    lines = audit_path(workspace.root).read_text().splitlines()
    assert len(lines) == 1
    logged = json.loads(lines[0])
    assert logged["op"] == "data.import" and logged["seq"] == 1
    fields = logged["fields"]
    assert (fields["dataset"], fields["fingerprint"], fields["records"]) == ("notes", entry.fingerprint, entry.records)
    assert fields["patients"] == sum(entry.patients.values()) and fields["splits"] == entry.splits
    assert fields["phi_found"] == entry.phi_found == sum(fields["phi_by_category"].values()) > 0
    assert fields["strategy"] == "redact" and fields["residual"] == entry.residual
    (recorded,) = open_ledger(workspace.root).datasets()
    assert (recorded.name, recorded.fingerprint, recorded.records) == ("notes", entry.fingerprint, entry.records)
    assert recorded.deid["phi_by_category"] == fields["phi_by_category"]
    # No record text and no input path: every string of the input records is absent from the log.
    text = audit_path(workspace.root).read_text()
    values = {s for line in corpus_file.read_text().splitlines() for s in _strings(json.loads(line)) if len(s) >= 4}
    assert values and not [v for v in values if v in text]
    assert str(corpus_file.parent) not in text and corpus_file.name not in text
    assert verify_audit(workspace.root).ok


def test_import_without_a_secret_store_fails_before_any_work(workspace: Workspace, corpus_file: Path) -> None:
    keyring.set_keyring(fail.Keyring())
    with pytest.raises(SecretStoreError, match="MEDSUM_KEYRING=cryptfile"):
        import_dataset(workspace, corpus_file, "notes", strategy="redact")
    assert not (workspace.root / "datasets" / "notes").exists()
    assert not audit_path(workspace.root).exists()
