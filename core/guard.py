"""Decide whether the network guard enforces, from IT policy, environment and config.

Precedence: a value the IT policy locks wins; then ``MEDSUM_NETWORK_GUARD``; then the
workspace config; the default is on.

Every entry point (``medsum``, ``medsum-model-bundle``, ``python -m medsum_tui``) calls
:func:`configure_entry_guard` first, before it parses its arguments; a command refines the
setting with :func:`configure_network_guard` once it knows its workspace.
"""

from __future__ import annotations

from core.config import ConfigError, LoadedConfig, load_config
from privacy.offline import GUARD_ENV, GuardStatus, guard_setting_from_env, guard_status, install_network_guard

__all__ = ["configure_entry_guard", "configure_network_guard", "policy_settings"]

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


def policy_settings() -> LoadedConfig | None:
    """The defaults with the IT policy laid over them, for a command that has no workspace (yet);
    None when the policy file cannot be read (the commands that read it report why)."""
    try:
        return load_config(None)
    except ConfigError:
        return None


def configure_entry_guard() -> GuardStatus:
    """Install the guard as an entry point's first step, from the IT policy, the environment and
    the default. Never raises: a policy file that cannot be read, or a ``MEDSUM_NETWORK_GUARD``
    that is not understood, leaves it as :func:`configure_network_guard` decides without them
    (on, for the latter), and the command reports the problem."""
    try:
        return configure_network_guard(policy_settings())
    except ConfigError:
        return guard_status()
