"""Which setting decides the network guard: IT policy, then the environment, then config."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import load_config
from core.guard import configure_network_guard
from privacy.offline import install_network_guard


@pytest.fixture(autouse=True)
def _restore_guard():
    yield
    install_network_guard(enabled=True, source="test")


def _loaded(tmp_path: Path, config: str = "", policy: str = ""):
    cfg = tmp_path / "config.toml"
    cfg.write_text(config)
    pol = tmp_path / "policy.toml"
    if policy:
        pol.write_text(policy)
    return load_config(cfg, pol)


def test_default_is_on(tmp_path: Path) -> None:
    status = configure_network_guard(_loaded(tmp_path))
    assert (status.enabled, status.source) == (True, "default")


def test_config_can_turn_it_off(tmp_path: Path) -> None:
    status = configure_network_guard(_loaded(tmp_path, "[offline]\nnetwork_guard = false\n"))
    assert (status.enabled, status.source) == (False, "config")


def test_env_beats_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDSUM_NETWORK_GUARD", "on")
    status = configure_network_guard(_loaded(tmp_path, "[offline]\nnetwork_guard = false\n"))
    assert (status.enabled, status.source) == (True, "env MEDSUM_NETWORK_GUARD")


def test_policy_beats_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDSUM_NETWORK_GUARD", "off")
    status = configure_network_guard(_loaded(tmp_path, policy="[offline]\nnetwork_guard = true\n"))
    assert (status.enabled, status.source) == (True, "IT policy")
