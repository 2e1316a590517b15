"""End to end: a CLI command run as a subprocess attempts no non-loopback connection."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import ROOT

# A recorder hook added before MedSum's own guard: it sees every attempt, even refused ones.
_RECORDER = """
import json, socket, sys
events = []
def record(event, args):
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        sock, addr = args[0], args[1]
        if getattr(sock, "family", None) in (socket.AF_INET, socket.AF_INET6) and addr:
            events.append([event, str(addr[0])])
    elif event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"):
        events.append([event, str(args[0])])
sys.addaudithook(record)
from medsum_tui.cli import main
code = main(sys.argv[2:])
with open(sys.argv[1], "w") as fh:
    json.dump(events, fh)
sys.exit(code)
"""

_LOCAL = {"127.0.0.1", "::1", "localhost", "None"}


@pytest.mark.slow
@pytest.mark.parametrize("command", [["demo", "--n", "30"], ["doctor"]], ids=" ".join)
def test_cli_makes_no_network_attempt(tmp_path: Path, command: list[str]) -> None:
    log = tmp_path / "events.json"
    args = [*command, "--workspace", str(tmp_path / "ws")]
    proc = subprocess.run(
        [sys.executable, "-c", _RECORDER, str(log), *args],
        cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=900,
        env={**os.environ, "MEDSUM_KEYRING": "cryptfile", "MEDSUM_KEYRING_PASSPHRASE": "test"},
    )
    # doctor exits 1 when a check fails (no GPU, say); the demo must succeed
    assert proc.returncode in ((0,) if command[0] == "demo" else (0, 1)), proc.stderr
    events = json.loads(log.read_text())
    assert [e for e in events if e[1] not in _LOCAL] == []
