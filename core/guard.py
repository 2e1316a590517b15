"""Decide whether the network guard enforces, from IT policy, environment and config.

Precedence: a value the IT policy locks wins; then ``MEDSUM_NETWORK_GUARD``; then the
workspace config; the default is on.
"""

from __future__ import annotations

from core.config import ConfigError, LoadedConfig
from privacy.offline import GUARD_ENV, GuardStatus, guard_setting_from_env, install_network_guard

__all__ = ["configure_network_guard"]

_KEY = "offline.network_guard"


def configure_network_guard(loaded: LoadedConfig | None) -> GuardStatus:
    """Install the loopback-only guard and switch it on or off as the settings say."""
    if loaded is not None and _KEY in loaded.locked:
        return install_network_guard(enabled=loaded.config.offline.network_guard, source="IT policy")
    try:
        from_env = guard_setting_from_env()
    except ValueError as exc:
        install_network_guard(enabled=True, source="default")
        raise ConfigError(str(exc)) from None
    if from_env is not None:
        return install_network_guard(enabled=from_env, source=f"env {GUARD_ENV}")
    if loaded is not None and "network_guard" in loaded.config.offline.model_fields_set:
        return install_network_guard(enabled=loaded.config.offline.network_guard, source="config")
    return install_network_guard(enabled=True, source="default")
