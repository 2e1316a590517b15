"""Run a command in a network namespace of its own, for the tests of what MedSum does at the
operating-system level: ``unshare --user --net`` (unprivileged user namespaces), with loopback
up and, optionally, a DNS server on 127.0.0.1:53 inside that records every query it gets
(``/etc/resolv.conf`` and ``/etc/nsswitch.conf`` are bind-mounted over in a mount namespace,
so every host lookup that is not answered from ``/etc/hosts`` reaches it). Nothing inside can
reach any other machine."""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["dns_queries", "netns_unavailable", "run_in_netns"]

# Inside the namespaces, as root there: loopback up (SIOCSIFFLAGS, no iproute2 needed), then
# optionally the recording DNS server, then the command.
_SETUP = r"""
import fcntl, os, socket, struct, subprocess, sys, time
IFF_UP, IFF_LOOPBACK, IFF_RUNNING, SIOCSIFFLAGS = 0x1, 0x8, 0x40, 0x8914
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", IFF_UP | IFF_LOOPBACK | IFF_RUNNING))
log, argv = sys.argv[1], sys.argv[2:]
server = None
if log:
    etc = os.path.dirname(log)
    for name, text in (("resolv.conf", "nameserver 127.0.0.1\n"), ("nsswitch.conf", "hosts: files dns\n")):
        with open(os.path.join(etc, name), "w") as fh:
            fh.write(text)
        subprocess.run(["mount", "--bind", os.path.join(etc, name), "/etc/" + name], check=True)
    server = subprocess.Popen([sys.executable, "-c", DNS, log])
    while not os.path.exists(log):
        time.sleep(0.05)
try:
    code = subprocess.call(argv)
finally:
    if server:
        server.kill()
sys.exit(code)
"""

# Answers every query NXDOMAIN and writes "TYPE NAME" per query to the log.
_DNS = r"""
import socket, struct, sys
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 53))
log = open(sys.argv[1], "a", buffering=1)
while True:
    data, peer = sock.recvfrom(4096)
    i, labels = 12, []
    try:
        while data[i]:
            labels.append(data[i + 1:i + 1 + data[i]].decode("ascii", "replace"))
            i += data[i] + 1
        qtype = struct.unpack(">H", data[i + 1:i + 3])[0]
    except (IndexError, struct.error):
        qtype = 0
    log.write(f"{qtype} {'.'.join(labels)}\n")
    sock.sendto(data[:2] + b"\x81\x83" + data[4:6] + b"\x00" * 6 + data[12:], peer)
"""


@functools.cache
def netns_unavailable() -> str | None:
    """Why this machine cannot run the network-namespace tests, or None when it can."""
    if not sys.platform.startswith("linux"):
        return "network namespaces are Linux-only"
    if shutil.which("unshare") is None:
        return "no unshare command (util-linux)"
    try:
        probe = subprocess.run(["unshare", "--user", "--map-root-user", "--net", "--mount", "true"],
                               capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unshare failed: {exc}"
    if probe.returncode != 0:
        return f"this machine does not allow unprivileged user and network namespaces: {probe.stderr.strip()}"
    return None


def run_in_netns(argv: Sequence[str], *, dns_log: Path | None = None, env: dict[str, str] | None = None,
                 cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` in new user, network and mount namespaces with loopback up; with ``dns_log``
    (in a directory of its own), a recording DNS server answers every lookup and logs it there."""
    setup = f"DNS = {_DNS!r}\n{_SETUP}"
    return subprocess.run(
        ["unshare", "--user", "--map-root-user", "--net", "--mount", sys.executable, "-c", setup,
         str(dns_log or ""), *argv],
        capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
    )


def dns_queries(dns_log: Path) -> list[str]:
    """The queries the recording server got: ``"TYPE NAME"`` (12 is PTR, 1 A, 28 AAAA)."""
    return dns_log.read_text().splitlines() if dns_log.exists() else []
