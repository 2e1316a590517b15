"""Keep MedSum offline: Hugging Face offline mode and a loopback-only network guard.

Two layers:

- :func:`enforce_offline_env` sets the environment variables that put ``huggingface_hub``,
  ``transformers``, ``datasets`` and ``evaluate`` in offline mode and switch off telemetry.
  Those libraries read the variables when they are first imported, so this runs when
  ``core`` or ``medsum_tui`` is imported, before anything imports them.
- :func:`install_network_guard` adds a :func:`sys.addaudithook` hook that refuses, with
  :class:`NetworkBlockedError` naming what it refused:

  - a connection, datagram or ``bind`` to any address but loopback;
  - a socket of any address family but Unix, IPv4 and IPv6 (``AF_PACKET``, ``AF_VSOCK``,
    ``AF_NETLINK``...), and raw IP sockets, whose own headers could name any destination;
  - every host-name lookup other than ``localhost``, and reverse lookups of anything else;
  - ctypes access to the C library's socket and resolver functions (``connect``,
    ``getaddrinfo``, ``syscall``, ``dlsym``...), the way round the checks above from Python.

  Unix-domain sockets (D-Bus for the keyring, local IPC) are not network traffic and pass.
  While the guard is on, :data:`INHERIT_ENV` is set in the environment, so a child process
  that imports ``privacy`` (every MedSum process does, first thing) installs it too:
  :func:`install_inherited_guard`.

What native code does (C++ in torch, a program run as a subprocess) no audit hook sees; that is
the operating system's to block (``docs/network-isolation.md``; :mod:`privacy.os_block` tells
whether it does).

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
from pathlib import Path
from typing import Any

__all__ = [
    "OFFLINE_ENV",
    "GUARD_ENV",
    "INHERIT_ENV",
    "NetworkBlockedError",
    "GuardStatus",
    "enforce_offline_env",
    "offline_env_status",
    "guard_setting_from_env",
    "install_network_guard",
    "guard_status",
    "check_bind",
    "check_connect",
    "check_lookup",
    "check_native_symbol",
    "check_socket",
    "install_inherited_guard",
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

#: Set to ``1`` while the guard enforces, so that child processes install it too.
INHERIT_ENV = "MEDSUM_NETWORK_GUARD_INHERIT"

#: The guard's source in a child process that installed it from :data:`INHERIT_ENV`.
INHERITED = "inherited from the parent process"

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


#: Address families a MedSum process may open sockets of (IPv4 and IPv6 to loopback only).
_FAMILIES = frozenset(f for f in (getattr(socket, "AF_UNIX", None), socket.AF_INET, socket.AF_INET6) if f is not None)

#: C functions that reach the network or the resolver, or reach any function by name or number:
#: ctypes must not look them up (``ctypes.CDLL(None).connect``), since native calls pass no hook.
_NATIVE_NETWORK = frozenset({
    "socket", "connect", "bind", "sendto", "sendmsg", "sendmmsg",
    "getaddrinfo", "getaddrinfo_a", "getnameinfo", "gethostbyname", "gethostbyname2", "gethostbyname_r",
    "gethostbyname2_r", "gethostbyaddr", "gethostbyaddr_r", "gethostent", "gethostent_r",
    "res_init", "res_ninit", "res_query", "res_nquery", "res_search", "res_nsearch", "res_querydomain",
    "res_nquerydomain", "res_send", "res_nsend", "res_mkquery", "res_nmkquery",
    "syscall", "dlsym", "dlvsym",
})


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
    if enabled:
        os.environ[INHERIT_ENV] = "1"
    else:
        os.environ.pop(INHERIT_ENV, None)
        log.warning("network guard is OFF (%s): non-loopback connections are allowed", source)
    return guard_status()


def install_inherited_guard() -> GuardStatus | None:
    """In a child of a guarded MedSum process (:data:`INHERIT_ENV` set), install the guard now.

    ``privacy`` runs this when it is imported, so a subprocess or a ``multiprocessing`` spawn
    child is guarded as soon as it loads any MedSum code, before that code runs. An explicit
    :data:`GUARD_ENV` in the child's environment still decides, as it would for the parent.
    Returns the new status, or None when there was nothing to inherit or the guard is installed.
    """
    if os.environ.get(INHERIT_ENV) != "1" or _GuardState.installed:
        return None
    try:
        from_env = guard_setting_from_env()
    except ValueError:
        from_env = None  # a typo never turns it off
    return install_network_guard(enabled=True if from_env is None else from_env,
                                 source=INHERITED if from_env is None else f"env {GUARD_ENV}")


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


def _family_name(family: int) -> str:
    try:
        return socket.AddressFamily(family).name
    except ValueError:
        return f"address family {family}"


def _refuse(what: str) -> NetworkBlockedError:
    return NetworkBlockedError(f"offline guard blocked {what}: MedSum only talks to loopback "
                               f"(set {GUARD_ENV}=off or offline.network_guard = false to allow it)")


def check_socket(family: int, kind: int = socket.SOCK_STREAM) -> None:
    """Refuse a new socket of any address family but Unix, IPv4 and IPv6, and raw IP sockets.

    ``family`` -1 (a socket adopted from a file descriptor) passes here; its address family
    is known, and checked, when it connects or sends.
    """
    if family == -1:
        return
    if family not in _FAMILIES:
        raise _refuse(f"a socket of family {_family_name(family)}")
    if family != getattr(socket, "AF_UNIX", None) and kind != -1 and kind & 0xF == socket.SOCK_RAW:
        raise _refuse(f"a raw {_family_name(family)} socket")


def check_connect(family: int, address: Any) -> None:
    """Refuse a connection or datagram to ``address`` unless it is loopback or a Unix socket.

    ``family`` is the socket's address family: Unix sockets pass, IPv4/IPv6 destinations must be
    loopback, and every other family (``AF_PACKET``, ``AF_VSOCK``...) is refused outright.
    """
    if family == getattr(socket, "AF_UNIX", None):
        return
    if family not in (socket.AF_INET, socket.AF_INET6):
        raise _refuse(f"a connection over {_family_name(family)} to {address!r}")
    if not isinstance(address, tuple) or not address:
        return
    host = str(address[0])
    if _is_loopback_host(host):
        return
    port = address[1] if len(address) > 1 else "?"
    raise _refuse(f"a connection to {host}:{port}")


def check_bind(family: int, address: Any) -> None:
    """Refuse binding an IPv4/IPv6 socket to anything but a loopback address: a socket bound to
    another address, or to every address (``""``, ``0.0.0.0``, ``::``), listens on the network."""
    if family not in (socket.AF_INET, socket.AF_INET6):
        check_connect(family, address)  # a Unix socket passes; any other family is refused
        return
    if not isinstance(address, tuple) or not address:
        return
    host = str(address[0])
    if _is_loopback_host(host):
        return
    shown = host or "every address"
    port = address[1] if len(address) > 1 else "?"
    raise _refuse(f"listening on {shown}:{port} (a socket bound to a non-loopback address)")


def check_native_symbol(name: Any) -> None:
    """Refuse a ctypes look-up of a C function that reaches the network or the resolver
    (``connect``, ``getaddrinfo``...) or any function by name or number (``dlsym``, ``syscall``)."""
    if not isinstance(name, str | bytes):
        return  # an ordinal
    text = name.decode("ascii", "replace") if isinstance(name, bytes) else name
    bare = text.split("@", 1)[0].lstrip("_").removeprefix("libc_")
    if bare in _NATIVE_NETWORK:
        raise _refuse(f"ctypes access to the C function {text!r} (native calls pass no Python check)")


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


def _hosts_file_lists(address: str) -> bool:
    """Whether ``/etc/hosts`` lists ``address`` exactly as written (an IPv4-mapped IPv6 address
    is not its IPv4 address there), so the C library answers its reverse lookup from the file."""
    try:
        wanted = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
        lines = Path("/etc/hosts").read_text(encoding="utf-8", errors="replace").splitlines()
    except (ValueError, OSError):
        return False
    for line in lines:
        fields = line.split("#", 1)[0].split()
        try:
            if fields and ipaddress.ip_address(fields[0]) == wanted:
                return True
        except ValueError:
            continue
    return False


def _check_reverse(host: Any) -> None:
    """Refuse a reverse lookup that could ask a DNS server: of anything but a loopback address
    that ``/etc/hosts`` lists (``::ffff:127.0.0.1`` or an unlisted ``::1`` would be asked of DNS,
    as torch's C++ store did), or a local name such as ``localhost``."""
    text = host.decode("ascii", "replace") if isinstance(host, bytes) else str(host)
    name = text.strip().rstrip(".").lower()
    if name in _LOCAL_NAMES or (_is_loopback_host(name) and _hosts_file_lists(name)):
        return
    raise NetworkBlockedError(f"offline guard blocked a reverse DNS lookup of {text!r}: MedSum resolves no "
                              f"addresses (set {GUARD_ENV}=off or offline.network_guard = false to allow it)")


def _audit_hook(event: str, args: tuple[Any, ...]) -> None:
    if not _GuardState.enabled:
        return
    if event.startswith("ctypes.dlsym"):  # ctypes.dlsym (a CDLL's attribute), ctypes.dlsym/handle
        check_native_symbol(args[1])
        return
    if not event.startswith("socket."):
        return
    if event == "socket.__new__":
        check_socket(args[1], args[2])
    elif event == "socket.bind":
        check_bind(getattr(args[0], "family", socket.AF_INET), args[1])
    elif event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        sock, address = args[0], args[1]
        if address is None:
            return
        check_connect(getattr(sock, "family", socket.AF_INET), address)
    elif event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex"):
        check_lookup(args[0])
    elif event == "socket.gethostbyaddr":
        _check_reverse(args[0])
    elif event == "socket.getnameinfo" and isinstance(args[0], tuple) and args[0]:
        _check_reverse(args[0][0])
