"""Shared fixtures: every test runs with its own workspace, no IT policy, and no user state."""

from __future__ import annotations

from pathlib import Path

import keyring
import keyring.backend
import pytest


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


class MemoryKeyring(keyring.backend.KeyringBackend):
    """An in-memory keyring, so no test ever touches the OS keyring.

    Priority -1: defining a backend registers it with ``keyring``, which must never pick it
    by itself.
    """

    priority = -1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch: pytest.MonkeyPatch):
    """Every test gets a fresh in-memory keyring and no cryptfile selection from the environment."""
    previous = keyring.get_keyring()
    monkeypatch.delenv("MEDSUM_KEYRING", raising=False)
    monkeypatch.delenv("MEDSUM_KEYRING_PASSPHRASE", raising=False)
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    yield memory
    keyring.set_keyring(previous)
