"""The operating-system layer: ``packaging/medsum-isolated`` (a user and network namespace with
loopback only) and the systemd unit ``packaging/systemd/medsum@.service``.

Under ``medsum-isolated`` every bypass of the Python guard that issue 20 found meets the kernel
instead: a program that loads no MedSum code, ``connect()`` through ctypes in it, and torch's
C++ ``TCPStore``, all get "network is unreachable", while loopback still works (gloo needs it).
No packet leaves the machine: there is no route out of the namespace."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from privacy.offline import INHERIT_ENV
from tests.netns import netns_unavailable

ROOT = Path(__file__).resolve().parents[2]
ISOLATED = ROOT / "packaging" / "medsum-isolated"
UNIT = ROOT / "packaging" / "systemd" / "medsum@.service"

# A program that loads no MedSum code, so no Python guard: what can it reach?
_BARE = r"""
import ctypes, errno, json, os, socket, struct, threading
out = {"uid": os.getuid(), "interfaces": [l.split(":")[0].strip() for l in open("/proc/net/dev").read().splitlines()[2:]]}
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    try:
        s.connect(("192.0.2.1", 9))
        out["python"] = "connected"
    except OSError as exc:
        out["python"] = errno.errorcode[exc.errno]
    libc = ctypes.CDLL(None, use_errno=True)
    address = struct.pack("=H", socket.AF_INET) + struct.pack("!H", 9) + socket.inet_aton("192.0.2.1") + bytes(8)
    out["ctypes"] = "connected" if libc.connect(s.fileno(), address, len(address)) == 0 else errno.errorcode[ctypes.get_errno()]
server = socket.create_server(("127.0.0.1", 0))
threading.Thread(target=lambda: server.accept()[0].sendall(b"ok"), daemon=True).start()
with socket.create_connection(server.getsockname(), timeout=5) as client:
    out["loopback"] = client.recv(2).decode()
print(json.dumps(out))
"""

_TCPSTORE = """
from datetime import timedelta
import torch.distributed as dist
try:
    dist.TCPStore("192.0.2.1", 9, is_master=False, timeout=timedelta(seconds=1))
    print("connected")
except Exception as exc:
    print("refused:", exc)
"""


def _isolated(*argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    if (reason := netns_unavailable()) is not None:
        pytest.skip(reason)
    if shutil.which("ip") is None and not any(Path(d, "ip").exists() for d in ("/usr/sbin", "/sbin")):
        pytest.skip("no ip command (iproute2) to bring loopback up with")
    env = {k: v for k, v in os.environ.items() if k != INHERIT_ENV}
    return subprocess.run([str(ISOLATED), *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def test_a_program_without_the_guard_reaches_nothing_but_loopback() -> None:
    result = _isolated(sys.executable, "-c", _BARE)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["interfaces"] == ["lo"]
    assert (found["python"], found["ctypes"]) == ("ENETUNREACH", "ENETUNREACH")
    assert found["loopback"] == "ok"


def test_you_stay_yourself_inside() -> None:
    result = _isolated(sys.executable, "-c", "import os; print(os.getuid(), os.getgid())")
    assert result.returncode == 0, result.stderr
    maps_back = "--map-user=" in subprocess.run(["unshare", "--help"], capture_output=True, text=True).stdout
    if maps_back:  # util-linux 2.38 and later; older ones leave you root of the namespace
        assert result.stdout.split() == [str(os.getuid()), str(os.getgid())]


def test_torchs_cpp_tcpstore_cannot_connect_out() -> None:
    result = _isolated(sys.executable, "-c", _TCPSTORE)
    assert result.stdout.startswith("refused:"), result.stdout + result.stderr[-1000:]
    assert "Network is unreachable" in result.stdout + result.stderr


@pytest.mark.slow
def test_medsum_doctor_sees_the_block_inside(tmp_path: Path) -> None:
    result = _isolated(sys.executable, "-m", "medsum_tui", "doctor", "--json", "--quick",
                       "--workspace", str(tmp_path / "ws"))
    assert result.returncode in (0, 1), result.stderr
    check = next(c for c in json.loads(result.stdout)["checks"] if c["name"] == "os network block")
    assert check["status"] == "ok" and "loopback" in check["detail"]


def _directives(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if match := re.fullmatch(r"([A-Za-z]+)=(.*)", line.strip()):
            found.setdefault(match[1], []).append(match[2])
    return found


def test_the_unit_blocks_the_network_three_ways() -> None:
    unit = _directives(UNIT.read_text())
    assert unit["PrivateNetwork"] == ["yes"]
    assert unit["IPAddressDeny"] == ["any"] and unit["IPAddressAllow"] == ["localhost"]
    families = set(unit["RestrictAddressFamilies"][0].split())
    assert families == {"AF_UNIX", "AF_INET", "AF_INET6", "AF_NETLINK"}  # no AF_PACKET, AF_VSOCK...
    assert unit["ExecStart"][0].split()[0].endswith("/medsum")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze to check the unit with")
def test_systemd_accepts_every_directive_of_the_unit(tmp_path: Path) -> None:
    # The unit as installed, with a program that exists here in place of /opt/medsum/venv/bin/medsum.
    text = UNIT.read_text().replace("/opt/medsum/venv/bin/medsum", sys.executable)
    (tmp_path / "medsum@.service").write_text(text)
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", str(tmp_path / "medsum@check.service")],
                            capture_output=True, text=True, timeout=60)
    problems = [line for line in (result.stdout + result.stderr).splitlines()
                if "Unknown" in line or "Invalid" in line or "Failed to parse" in line or "is not executable" in line]
    assert problems == [], problems
