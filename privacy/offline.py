"""Keep MedSum offline: Hugging Face offline mode and a loopback-only network guard.

Two layers:

- :func:`enforce_offline_env` sets the environment variables that put ``huggingface_hub``,
  ``transformers``, ``datasets`` and ``evaluate`` in offline mode and switch off telemetry.
  Those libraries read the variables when they are first imported, so this runs when
  ``core`` or ``medsum_tui`` is imported, before anything imports them.
- :func:`install_network_guard` adds a :func:`sys.addaudithook` hook that refuses every
  socket connection or datagram to a non-loopback address, and every host-name lookup
  other than ``localhost``, with :class:`NetworkBlockedError` naming the destination.
  Unix-domain sockets (D-Bus for the keyring, local IPC) are not network traffic and pass.

Audit hooks cannot be removed once added, so turning the guard off is a flag the hook reads;
:func:`guard_status` says which way it is and why.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
import sys
from dataclasses import dataclass
from typing import Any

__all__ = [
    "OFFLINE_ENV",
    "GUARD_ENV",
    "NetworkBlockedError",
    "GuardStatus",
    "enforce_offline_env",
    "offline_env_status",
    "guard_setting_from_env",
    "install_network_guard",
    "guard_status",
    "check_connect",
    "check_lookup",
]

log = logging.getLogger(__name__)

#: The variables :func:`enforce_offline_env` sets, with the value each must have.
OFFLINE_ENV: dict[str, str] = {
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_EVALUATE_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_UPDATE_CHECK": "1",
    "DO_NOT_TRACK": "1",
}

#: Environment variable that turns the network guard off (``off``/``0``/``false``) or on.
GUARD_ENV = "MEDSUM_NETWORK_GUARD"

_OFF_WORDS = frozenset({"0", "off", "false", "no"})
_ON_WORDS = frozenset({"1", "on", "true", "yes"})
_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


class NetworkBlockedError(PermissionError):
    """Raised when the guard refuses a connection or lookup; the message names the destination."""


@dataclass(frozen=True)
class GuardStatus:
    """Whether the network guard hook is installed and enforcing, and where that setting came from."""

    installed: bool
    enabled: bool
    source: str  # "default", "config", f"env {GUARD_ENV}" or "not installed"


class _GuardState:
    """The mutable switch the audit hook reads (the hook itself cannot be removed)."""

    installed = False
    enabled = False
    source = "not installed"


def enforce_offline_env() -> None:
    """Force Hugging Face offline mode and disable telemetry in this process and its children."""
    for name, value in OFFLINE_ENV.items():
        os.environ[name] = value


def offline_env_status() -> dict[str, bool]:
    """Report, per offline variable, whether the current environment has the required value."""
    return {name: os.environ.get(name) == value for name, value in OFFLINE_ENV.items()}


def guard_setting_from_env() -> bool | None:
    """Read :data:`GUARD_ENV`: ``True``/``False`` when set, ``None`` when unset.

    Raises ``ValueError`` naming the variable when it holds something unrecognised, so a typo
    never silently turns the guard off.
    """
    raw = os.environ.get(GUARD_ENV)
    if raw is None or raw.strip() == "":
        return None
    word = raw.strip().lower()
    if word in _OFF_WORDS:
        return False
    if word in _ON_WORDS:
        return True
    raise ValueError(f"{GUARD_ENV}={raw!r} is not understood; use 'on' or 'off'")


def install_network_guard(*, enabled: bool = True, source: str = "default") -> GuardStatus:
    """Install the loopback-only audit hook (once per process) and set whether it enforces.

    Calling it again only changes the switch; the hook is never added twice.
    """
    if not _GuardState.installed:
        sys.addaudithook(_audit_hook)
        _GuardState.installed = True
    _GuardState.enabled = enabled
    _GuardState.source = source
    if not enabled:
        log.warning("network guard is OFF (%s): non-loopback connections are allowed", source)
    return guard_status()


def guard_status() -> GuardStatus:
    """Say whether the guard is installed, enforcing, and which setting decided that."""
    return GuardStatus(_GuardState.installed, _GuardState.enabled, _GuardState.source)


def _is_loopback_host(host: str) -> bool:
    name = host.strip().strip("[]").rstrip(".").lower()
    if name in _LOCAL_NAMES:
        return True
    try:
        addr = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return addr.is_loopback


def _is_numeric_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip().strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


def check_connect(family: int, address: Any) -> None:
    """Refuse a connection or datagram to ``address`` unless it is loopback or a local socket.

    ``family`` is the socket's address family; only IPv4/IPv6 destinations are network traffic.
    """
    if family not in (socket.AF_INET, socket.AF_INET6):
        return
    if not isinstance(address, tuple) or not address:
        return
    host = str(address[0])
    if _is_loopback_host(host):
        return
    port = address[1] if len(address) > 1 else "?"
    raise NetworkBlockedError(
        f"offline guard blocked a connection to {host}:{port}: MedSum only talks to loopback "
        f"(set {GUARD_ENV}=off or offline.network_guard = false to allow it)"
    )


def check_lookup(host: Any) -> None:
    """Refuse a host-name lookup unless the name is ``localhost`` or already a numeric address."""
    if host is None:
        return
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    name = str(host)
    if _is_loopback_host(name) or _is_numeric_host(name) or name == "":
        return
    raise NetworkBlockedError(
        f"offline guard blocked a DNS lookup of {name!r}: MedSum resolves no host names "
        f"(set {GUARD_ENV}=off or offline.network_guard = false to allow it)"
    )


def _audit_hook(event: str, args: tuple[Any, ...]) -> None:
    if not _GuardState.enabled or not event.startswith("socket."):
        return
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        sock, address = args[0], args[1]
        if address is None:
            return
        check_connect(getattr(sock, "family", socket.AF_INET), address)
    elif event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex"):
        check_lookup(args[0])
    elif event == "socket.gethostbyaddr":
        # A reverse lookup of a loopback address is answered from /etc/hosts; anything else
        # would ask a DNS server.
        if not _is_loopback_host(str(args[0])):
            raise NetworkBlockedError(
                f"offline guard blocked a reverse DNS lookup of {args[0]!r}"
            )
    elif event == "socket.getnameinfo":
        sockaddr = args[0]
        if isinstance(sockaddr, tuple) and sockaddr and not _is_loopback_host(str(sockaddr[0])):
            raise NetworkBlockedError(
                f"offline guard blocked a reverse DNS lookup of {sockaddr[0]!r}"
            )
