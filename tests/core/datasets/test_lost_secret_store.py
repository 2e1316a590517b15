"""A lost or swapped secret store is refused, with the fix, and never silently re-keyed
(issue 20 item 5): before, deleting the store made new audit and surrogate keys and the next
command went on appending to the old log, which restoring the backup then left broken."""

from __future__ import annotations

import json
from pathlib import Path

import keyring
import pytest

from core.audit import audit_path, verify_audit
from core.datasets import import_dataset
from core.key_record import KEYS_FILE
from core.secrets import SecretStoreError, audit_key, deid_secret
from core.workspace import Workspace
from privacy.secrets import SERVICE
from tests.keyrings import MemoryKeyring, seed_cryptfile

def _medsum_secrets(backend: MemoryKeyring) -> dict[str, str]:
    return {user: value for (service, user), value in backend.data.items() if service == SERVICE}


def test_a_lost_store_is_refused_and_no_key_is_made(workspace: Workspace, corpus_file: Path) -> None:
    import_dataset(workspace, corpus_file, "notes", strategy="surrogate")
    log_before = audit_path(workspace.root).read_bytes()
    lost = MemoryKeyring()
    keyring.set_keyring(lost)  # the store is gone: a new machine, a deleted keyring file
    for fetch in (lambda: audit_key(workspace.root), lambda: deid_secret(workspace.location)):
        with pytest.raises(SecretStoreError) as caught:
            fetch()
        message = str(caught.value)
        assert "\n" not in message and "restore the secret store" in message and "makes no new key" in message
    with pytest.raises(SecretStoreError, match="restore the secret store"):
        import_dataset(workspace, corpus_file, "more", strategy="redact")
    assert _medsum_secrets(lost) == {}  # nothing was created
    assert audit_path(workspace.root).read_bytes() == log_before
    assert not (workspace.root / "datasets" / "more").exists()


def test_restoring_the_store_makes_everything_work_again(workspace: Workspace, corpus_file: Path,
                                                          memory_keyring: MemoryKeyring) -> None:
    import_dataset(workspace, corpus_file, "notes", strategy="surrogate")
    backup = dict(memory_keyring.data)
    memory_keyring.data.clear()
    with pytest.raises(SecretStoreError):
        import_dataset(workspace, corpus_file, "more", strategy="redact")
    memory_keyring.data.update(backup)  # the backup is restored
    import_dataset(workspace, corpus_file, "more", strategy="redact")
    result = verify_audit(workspace.root)
    assert result.ok and result.entries == 2


def test_another_store_with_other_keys_is_refused(workspace: Workspace, corpus_file: Path) -> None:
    import_dataset(workspace, corpus_file, "notes", strategy="surrogate")
    other = MemoryKeyring()
    keyring.set_keyring(other)
    from privacy.secrets import AUDIT_KEY, DEID_SECRET, get_or_create_secret

    for name in (AUDIT_KEY, DEID_SECRET):
        get_or_create_secret(name, backend=other)
    with pytest.raises(SecretStoreError, match="holds another audit key than this workspace's"):
        audit_key(workspace.root)
    with pytest.raises(SecretStoreError, match="holds another de-identification secret"):
        deid_secret(workspace.location)


def test_a_workspace_made_before_key_ids_is_still_protected(workspace: Workspace, corpus_file: Path) -> None:
    import_dataset(workspace, corpus_file, "notes", strategy="redact")
    (workspace.root / KEYS_FILE).unlink()  # as a workspace from before key ids were recorded
    keyring.set_keyring(MemoryKeyring())
    with pytest.raises(SecretStoreError, match="already holds an audit log, datasets, privacy ledger rows"):
        audit_key(workspace.root)


def test_a_new_workspace_still_gets_its_keys(workspace: Workspace, memory_keyring: MemoryKeyring) -> None:
    key = audit_key(workspace.root)
    assert len(key) == 32 and audit_key(workspace.root) == key
    recorded = json.loads((workspace.root / KEYS_FILE).read_text())
    assert set(recorded) == {"audit-key"} and all(len(v) == 16 for v in recorded.values())
    assert key.hex() not in (workspace.root / KEYS_FILE).read_text()


def test_a_deleted_keyring_file_is_refused_by_the_cli(workspace: Workspace, corpus_file: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """The reviewer's experiment: ``secrets/keyring.cfg`` deleted, then the next command."""
    from medsum_tui.cli import main
    from privacy.offline import install_network_guard

    import_dataset(workspace, corpus_file, "notes", strategy="surrogate")
    seed_cryptfile(workspace.root)
    (workspace.root / "secrets" / "keyring.cfg").unlink()
    log_before = audit_path(workspace.root).read_bytes()
    monkeypatch.setenv("MEDSUM_KEYRING", "cryptfile")
    monkeypatch.setenv("MEDSUM_KEYRING_PASSPHRASE", "test")
    capsys.readouterr()
    try:
        code = main(["data", "import", str(corpus_file), "--name", "more", "--strategy", "redact",
                     "--workspace", str(workspace.root)])
    finally:
        install_network_guard(enabled=True, source="test")
    err = capsys.readouterr().err
    assert code == 1, err
    assert err.count("\n") == 1 and "restore the secret store" in err and "keyring.cfg" in err
    assert audit_path(workspace.root).read_bytes() == log_before
    assert not (workspace.root / "datasets" / "more").exists()


def test_a_replaced_keyring_file_is_read_again_not_served_from_memory(
        workspace: Workspace, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Secrets of the encrypted file are kept for the process, but only while the file is the
    same: another file in its place (another workspace's) is read, and refused."""
    monkeypatch.setenv("MEDSUM_KEYRING", "cryptfile")
    monkeypatch.setenv("MEDSUM_KEYRING_PASSPHRASE", "test")
    first = audit_key(workspace.root)
    assert audit_key(workspace.root) == first
    other_root = tmp_path / "other"
    audit_key(other_root)  # another workspace's file, another key
    target = workspace.root / "secrets" / "keyring.cfg"
    target.unlink()
    target.write_bytes((other_root / "secrets" / "keyring.cfg").read_bytes())
    target.chmod(0o600)
    with pytest.raises(SecretStoreError, match="holds another audit key"):
        audit_key(workspace.root)


def test_the_runs_table_alone_is_not_history(workspace: Workspace) -> None:
    """Listing runs creates ``runs/runs.sqlite``: a workspace with only that still gets its keys."""
    from core.train.runs import RunsTable

    RunsTable(workspace.root).list()
    assert (workspace.root / "runs" / "runs.sqlite").exists()
    keyring.set_keyring(MemoryKeyring())
    assert len(audit_key(workspace.root)) == 32
