"""Shared fixtures: every test runs with its own workspace, no IT policy, and no user state."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest

from tests.keyrings import MemoryKeyring


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point MEDSUM_HOME and the policy file at empty temp paths; clear the guard override."""
    root = tmp_path_factory.mktemp("env")
    monkeypatch.setenv("MEDSUM_HOME", str(root / "home-workspace"))
    monkeypatch.setenv("MEDSUM_POLICY_FILE", str(root / "no-policy.toml"))
    monkeypatch.delenv("MEDSUM_NETWORK_GUARD", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(root / "xdg-data"))


@pytest.fixture
def workspace_dir(tmp_path: Path) -> Path:
    """A path for a workspace that does not exist yet."""
    return tmp_path / "ws"


#: The keyring of module- and session-scoped fixtures. Its secrets (the audit key above all) are
#: copied into every per-test keyring, and a secret a test creates is kept for the tests after
#: it, as an OS keyring keeps it: a workspace refuses a store that lost a key it used, and a
#: module fixture's workspace is used by each of the module's tests in turn.
SESSION_KEYRING = MemoryKeyring()


@pytest.fixture(scope="session", autouse=True)
def _session_keyring():
    """An in-memory keyring for module- and session-scoped fixtures too (they run before the
    per-test one below), since importing a dataset or a model writes the audit log, whose key
    lives in the keyring."""
    previous = keyring.get_keyring()
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("MEDSUM_KEYRING", raising=False)
        patch.delenv("MEDSUM_KEYRING_PASSPHRASE", raising=False)
        keyring.set_keyring(SESSION_KEYRING)
        yield
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch: pytest.MonkeyPatch):
    """Every test gets its own in-memory keyring (the session's secrets in it) and no cryptfile
    selection from the environment."""
    previous = keyring.get_keyring()
    monkeypatch.delenv("MEDSUM_KEYRING", raising=False)
    monkeypatch.delenv("MEDSUM_KEYRING_PASSPHRASE", raising=False)
    memory = MemoryKeyring()
    memory.data.update(SESSION_KEYRING.data)
    keyring.set_keyring(memory)
    yield memory
    keyring.set_keyring(previous)
    for entry, value in memory.data.items():  # never replaced: a test may plant a wrong key on purpose
        SESSION_KEYRING.data.setdefault(entry, value)
