"""Shared fixtures: every test runs with its own workspace, no IT policy, and no user state."""

from __future__ import annotations

from pathlib import Path

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
