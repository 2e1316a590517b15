"""The loopback-only network guard and Hugging Face offline mode."""

from __future__ import annotations

import os
import socket
import threading

import pytest

from privacy.offline import (
    OFFLINE_ENV,
    NetworkBlockedError,
    check_connect,
    check_lookup,
    enforce_offline_env,
    guard_setting_from_env,
    guard_status,
    install_network_guard,
)


@pytest.fixture(autouse=True)
def _guard_on() -> None:
    install_network_guard(enabled=True, source="test")


def test_tcp_connection_to_public_address_is_refused_naming_it() -> None:
    with pytest.raises(NetworkBlockedError, match=r"203\.0\.113\.7:443"):
        socket.create_connection(("203.0.113.7", 443), timeout=2)


def test_private_lan_address_is_refused_too() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with pytest.raises(NetworkBlockedError, match=r"10\.1\.2\.3:80"):
            sock.connect_ex(("10.1.2.3", 80))


def test_udp_datagram_is_refused() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        with pytest.raises(NetworkBlockedError, match=r"192\.0\.2\.1:53"):
            sock.sendto(b"x", ("192.0.2.1", 53))


def test_dns_lookup_is_refused_naming_host() -> None:
    with pytest.raises(NetworkBlockedError, match="huggingface.co"):
        socket.getaddrinfo("huggingface.co", 443)
    with pytest.raises(NetworkBlockedError, match="example.org"):
        socket.gethostbyname("example.org")


def test_guard_error_is_an_oserror_for_network_code() -> None:
    assert issubclass(NetworkBlockedError, OSError)


def test_loopback_connection_works() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def echo() -> None:
        conn, _ = server.accept()
        with conn:
            conn.sendall(conn.recv(16).upper())

    thread = threading.Thread(target=echo, daemon=True)
    thread.start()
    with socket.create_connection(("localhost", port), timeout=5) as client:
        client.sendall(b"ping")
        assert client.recv(16) == b"PING"
    thread.join(timeout=5)
    server.close()


def test_ipv6_loopback_and_mapped_loopback_are_allowed() -> None:
    check_connect(socket.AF_INET6, ("::1", 80, 0, 0))
    check_connect(socket.AF_INET6, ("::ffff:127.0.0.1", 80, 0, 0))
    with pytest.raises(NetworkBlockedError, match="2001:db8::1"):
        check_connect(socket.AF_INET6, ("2001:db8::1", 80, 0, 0))


def test_unix_sockets_and_numeric_lookups_pass() -> None:
    check_connect(socket.AF_UNIX, "/run/user/0/bus")
    check_lookup("127.0.0.1")
    check_lookup("localhost")
    check_lookup(None)


def test_switching_off_lets_the_hook_pass() -> None:
    install_network_guard(enabled=False, source="test off")
    try:
        assert guard_status().enabled is False
        # With the guard off, a lookup of localhost's name goes through the hook untouched.
        socket.getaddrinfo("localhost", 80)
    finally:
        install_network_guard(enabled=True, source="test")
    assert guard_status().enabled is True


@pytest.mark.parametrize(("raw", "expected"), [("off", False), ("0", False), ("ON", True), ("", None)])
def test_env_setting(raw: str, expected: bool | None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDSUM_NETWORK_GUARD", raw)
    assert guard_setting_from_env() is expected


def test_env_typo_is_an_error_not_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDSUM_NETWORK_GUARD", "of")
    with pytest.raises(ValueError, match="MEDSUM_NETWORK_GUARD"):
        guard_setting_from_env()


def test_enforce_offline_env_sets_every_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in OFFLINE_ENV:
        monkeypatch.setenv(name, "0")
    enforce_offline_env()
    assert all(os.environ[name] == value for name, value in OFFLINE_ENV.items())
    assert {"HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "HF_EVALUATE_OFFLINE", "HF_HUB_DISABLE_TELEMETRY",
            "DO_NOT_TRACK", "HF_HUB_DISABLE_UPDATE_CHECK"} <= set(OFFLINE_ENV)
