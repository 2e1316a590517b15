"""Intents (issue 20, item 8): an import whose record was cut off after its rename is refused until
it is reconciled (when the workspace is next opened, or by doctor), then recorded once, only what
was missing written; an interrupt before the rename leaves nothing behind."""

from __future__ import annotations

import json
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

import core.audit
from core.audit import AuditFailure, audit_path, verify_audit
from core.datasets import DatasetError, get_dataset, import_dataset, list_datasets
from core.doctor import Check, run_checks
from core.ledger import open_ledger
from core.models import ModelError, get_model, init_tiny, list_models
from core.models.store import verify_details
from core.models.tiny import synthetic_texts
from core.synth import generate_corpus, write_corpus
from core.workspace import Workspace, init_workspace, open_workspace, resolve_workspace
from tests.keyrings import MemoryKeyring


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    opened, _ = init_workspace(resolve_workspace(tmp_path / "ws"))
    return opened


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("intents") / "records.jsonl"
    write_corpus(generate_corpus(20, 4), path, None)
    return path


def _entries(root: Path, op: str) -> list[dict]:
    return [e for e in map(json.loads, audit_path(root).read_text().splitlines()) if e["op"] == op]


def _intents(root: Path) -> list[Path]:
    return sorted((root / "privacy" / "intents").glob("*.json"))


def _store_records(workspace: Workspace) -> Check:
    checks = run_checks(workspace.location, contents=True, hash_models=False)
    return next(c for c in checks if c.name == "store records")


def _break_audit(monkeypatch: pytest.MonkeyPatch, op: str, error: BaseException) -> None:
    """Make the audit log fail to record ``op`` with ``error`` (the rename before it went through)."""
    real = core.audit.Auditor.event

    def event(self: core.audit.Auditor, name: str, **fields: object) -> None:
        if name == op:
            raise error
        real(self, name, **fields)

    monkeypatch.setattr(core.audit.Auditor, "event", event)


def _interrupted(*args: object, **kwargs: object) -> None:
    raise KeyboardInterrupt


def test_a_dataset_whose_audit_entry_failed_is_refused_then_recorded_once(
        workspace: Workspace, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = workspace.root
    monkeypatch.setattr("core.datasets.build.os.rename", _interrupted)
    with pytest.raises(KeyboardInterrupt):  # before the rename: nothing left, no intent
        import_dataset(workspace, corpus, "notes", strategy="redact")
    monkeypatch.undo()
    assert list((root / "datasets").iterdir()) == [] and _intents(root) == []

    _break_audit(monkeypatch, "data.import", AuditFailure("audit log: cannot record data.import: disk full"))
    with pytest.raises(AuditFailure):
        import_dataset(workspace, corpus, "notes", strategy="redact")
    monkeypatch.undo()
    assert (root / "datasets" / "notes" / "dataset.json").is_file()
    assert list_datasets(root) == []
    with pytest.raises(DatasetError, match="^dataset 'notes': its import was interrupted and is not recorded yet"):
        get_dataset(root, "notes")
    assert [d.name for d in open_ledger(root).datasets()] == ["notes"] and len(_intents(root)) == 1

    records = _store_records(workspace)
    assert records.status == "warn"
    assert records.detail == ("interrupted imports reconciled: dataset notes: recorded after an interrupted import "
                              "(audit entry written)")  # the ledger row was there already
    (entry,) = _entries(root, "data.import")
    assert entry["fields"]["recovered"] is True and entry["fields"]["dataset"] == "notes"
    assert _intents(root) == [] and verify_audit(root).ok
    assert [d.name for d in list_datasets(root)] == ["notes"] and get_dataset(root, "notes").name == "notes"
    assert _store_records(workspace).status == "ok"
    assert len(_entries(root, "data.import")) == 1


def test_a_model_interrupted_right_after_its_rename_is_recorded_at_the_next_open(
        workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    root = workspace.root
    _break_audit(monkeypatch, "models.import", KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        init_tiny(root, "t5", "tt", synthetic_texts(20, seed=1), seed=1)
    monkeypatch.undo()
    assert (root / "models" / "tt" / "manifest.json").is_file()
    assert list_models(root) == []
    with pytest.raises(ModelError, match="^model tt: its import was interrupted"):
        get_model(root, "tt")

    open_workspace(workspace.location)
    assert [m.name for m in list_models(root)] == ["tt"] and _intents(root) == []
    (entry,) = _entries(root, "models.import")
    assert entry["fields"]["recovered"] is True and entry["fields"]["origin"] == "init-tiny"
    assert (root / "models" / "tt" / "manifest.mac").is_file() and verify_audit(root).ok
    assert verify_details(root, "tt") == []


def test_a_model_audited_but_not_yet_keyed_gets_only_its_mac(
        workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    root = workspace.root
    monkeypatch.setattr("core.models.signing.sign_manifest", _interrupted)
    with pytest.raises(KeyboardInterrupt):
        init_tiny(root, "t5", "tt", synthetic_texts(20, seed=1), seed=1)
    monkeypatch.undo()
    assert (root / "models" / "tt" / "manifest.json").is_file() and len(_entries(root, "models.import")) == 1
    assert list_models(root) == []

    records = _store_records(workspace)
    assert records.detail == ("interrupted imports reconciled: model tt: recorded after an interrupted import "
                              "(manifest MAC written)")
    assert [m.name for m in list_models(root)] == ["tt"] and len(_entries(root, "models.import")) == 1


def test_without_the_audit_key_the_intent_waits_and_doctor_fails(
        workspace: Workspace, monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring) -> None:
    root = workspace.root
    _break_audit(monkeypatch, "models.import", KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        init_tiny(root, "t5", "tt", synthetic_texts(20, seed=1), seed=1)
    monkeypatch.undo()

    keyring.set_keyring(fail.Keyring())
    open_workspace(workspace.location)  # cannot record it without the key: logged, and the command goes on
    assert list_models(root) == [] and len(_intents(root)) == 1
    records = _store_records(workspace)
    assert records.status == "fail" and records.detail.startswith("model tt: not recorded yet: ")
    assert "make the keyring and the audit log usable" in records.fix

    keyring.set_keyring(memory_keyring)
    records = _store_records(workspace)
    assert records.status == "warn" and "model tt: recorded after an interrupted import" in records.detail
    assert [m.name for m in list_models(root)] == ["tt"] and verify_audit(root).ok


def test_an_unreadable_intent_is_reported_not_guessed_at(workspace: Workspace) -> None:
    folder = workspace.root / "privacy" / "intents"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dataset.0123.json").write_text("{not json")
    open_workspace(workspace.location)  # logged, never raised
    records = _store_records(workspace)
    assert records.status == "fail"
    assert records.detail == f"intent dataset.0123.json: {folder / 'dataset.0123.json'} cannot be read: " \
                             "move it out of the workspace"
    assert records.fix == f"move the unreadable intent files out of {folder}"
    assert (folder / "dataset.0123.json").exists()
