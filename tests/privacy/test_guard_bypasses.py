"""The ways round the loopback-only guard that issue 20 found, closed at the Python level:
other address families, raw sockets, listening sockets, ctypes' C functions and reverse
lookups that /etc/hosts does not answer. No test sends a packet: every refused call is
refused before the kernel sees it, and the allowed ones stay on loopback."""

from __future__ import annotations

import ctypes
import socket

import pytest

from privacy.offline import (
    NetworkBlockedError,
    check_bind,
    check_connect,
    check_native_symbol,
    check_socket,
    install_network_guard,
)


@pytest.fixture(autouse=True)
def _guard_on() -> None:
    install_network_guard(enabled=True, source="test")


@pytest.mark.parametrize("family", ["AF_VSOCK", "AF_PACKET", "AF_NETLINK", "AF_BLUETOOTH", "AF_CAN", "AF_TIPC"])
def test_sockets_of_other_families_are_refused_at_creation(family: str) -> None:
    if not hasattr(socket, family):
        pytest.skip(f"this Python has no socket.{family}")
    with pytest.raises(NetworkBlockedError, match=family):
        socket.socket(getattr(socket, family), socket.SOCK_DGRAM)


@pytest.mark.parametrize("family", ["AF_VSOCK", "AF_PACKET"])
def test_connect_over_other_families_is_refused(family: str) -> None:
    if not hasattr(socket, family):
        pytest.skip(f"this Python has no socket.{family}")
    with pytest.raises(NetworkBlockedError, match=family):
        check_connect(getattr(socket, family), (2, 1024))  # a VSOCK host (CID 2) and port, say


def test_raw_ip_sockets_are_refused() -> None:
    with pytest.raises(NetworkBlockedError, match="raw AF_INET"):
        socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    with pytest.raises(NetworkBlockedError, match="raw AF_INET6"):
        check_socket(socket.AF_INET6, socket.SOCK_RAW | getattr(socket, "SOCK_CLOEXEC", 0))


def test_unix_ipv4_and_ipv6_sockets_are_still_made() -> None:
    for family, kind in ((socket.AF_UNIX, socket.SOCK_STREAM), (socket.AF_INET, socket.SOCK_DGRAM),
                         (socket.AF_INET6, socket.SOCK_STREAM)):
        socket.socket(family, kind).close()
    left, right = socket.socketpair()
    left.close()
    right.close()
    check_socket(-1, -1)  # a socket adopted from a descriptor is checked when it connects


def test_listening_on_every_address_or_a_lan_address_is_refused() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with pytest.raises(NetworkBlockedError, match="every address"):
            sock.bind(("", 0))
        with pytest.raises(NetworkBlockedError, match=r"0\.0\.0\.0"):
            sock.bind(("0.0.0.0", 0))
    with pytest.raises(NetworkBlockedError, match="::"):
        check_bind(socket.AF_INET6, ("::", 29500, 0, 0))
    with pytest.raises(NetworkBlockedError, match=r"10\.0\.0\.5"):
        check_bind(socket.AF_INET, ("10.0.0.5", 29500))


def test_listening_on_loopback_still_works() -> None:
    socket.create_server(("127.0.0.1", 0)).close()
    check_bind(socket.AF_INET6, ("::1", 0, 0, 0))
    check_bind(socket.AF_UNIX, "/tmp/medsum-test.sock")


@pytest.mark.parametrize("name", ["connect", "socket", "sendto", "getaddrinfo", "gethostbyname", "getnameinfo",
                                  "res_query", "syscall", "dlsym", "__connect", "__libc_sendmsg"])
def test_ctypes_cannot_look_up_the_c_network_functions(name: str) -> None:
    libc = ctypes.CDLL(None)
    with pytest.raises(NetworkBlockedError, match=repr(name)):
        getattr(libc, name)
    with pytest.raises(NetworkBlockedError):
        libc[name]


def test_ctypes_connect_on_a_udp_socket_is_refused_before_the_call() -> None:
    """The bypass the issue showed, written out: connect() called through ctypes."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        with pytest.raises(NetworkBlockedError, match="'connect'"):
            connect = ctypes.CDLL(None, use_errno=True).connect
            connect(sock.fileno(), None, 0)  # never reached


def test_ctypes_dlsym_by_handle_is_refused_too() -> None:
    import _ctypes

    handle = _ctypes.dlopen(None)
    with pytest.raises(NetworkBlockedError, match="getaddrinfo"):
        _ctypes.dlsym(handle, "getaddrinfo")


def test_other_c_functions_stay_available() -> None:
    libc = ctypes.CDLL(None)
    assert libc.getpid() > 0
    libc.prctl  # noqa: B018 - core.train.launch uses it (PR_SET_PDEATHSIG)
    check_native_symbol(7)  # an ordinal names no function we know


def test_reverse_lookups_that_would_ask_dns_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # torch's C++ store made PTR queries for its loopback peer ::ffff:127.0.0.1, which
    # /etc/hosts never lists: in Python the same lookup is now refused.
    with pytest.raises(NetworkBlockedError, match="::ffff:127.0.0.1"):
        socket.gethostbyaddr("::ffff:127.0.0.1")
    with pytest.raises(NetworkBlockedError, match="203.0.113.9"):
        socket.getnameinfo(("203.0.113.9", 80), 0)
    socket.gethostbyaddr("localhost")


def test_the_switch_off_lets_everything_through() -> None:
    install_network_guard(enabled=False, source="test off")
    try:
        ctypes.CDLL(None).connect  # noqa: B018
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("", 0))
    finally:
        install_network_guard(enabled=True, source="test")
