"""``medsum doctor``'s "os network block" line: in place inside a network namespace with
loopback only, absent (a warning with the fix) on a machine with a network interface."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import core.doctor
from core.doctor import _os_block
from privacy.os_block import OsBlock
from tests.netns import netns_unavailable, run_in_netns

ROOT = Path(__file__).resolve().parents[2]
KEYRING = {"MEDSUM_KEYRING": "cryptfile", "MEDSUM_KEYRING_PASSPHRASE": "test"}


def _doctor(tmp_path: Path, *, isolated: bool) -> dict[str, dict[str, str]]:
    argv = [sys.executable, "-m", "medsum_tui", "doctor", "--json", "--quick", "--workspace", str(tmp_path / "ws")]
    env = {**os.environ, **KEYRING}
    if isolated:
        result = run_in_netns(argv, env=env, cwd=ROOT, timeout=120)
    else:
        result = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
                                stdin=subprocess.DEVNULL)
    assert result.returncode in (0, 1), result.stderr
    return {check["name"]: check for check in json.loads(result.stdout)["checks"]}


def test_the_check_is_ok_only_when_the_block_is_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core.doctor, "detect_os_block", lambda: OsBlock(True, "egress filter", "in place: ..."))
    assert _os_block().status == "ok"
    monkeypatch.setattr(core.doctor, "detect_os_block", lambda: OsBlock(False, "", "absent: ...", "the fix"))
    assert (_os_block().status, _os_block().fix) == ("warn", "the fix")
    monkeypatch.setattr(core.doctor, "detect_os_block", lambda: OsBlock(None, "", "could not tell: ...", "the fix"))
    assert _os_block().status == "warn"


@pytest.mark.slow
def test_doctor_reports_the_block_in_place_inside_a_network_namespace(tmp_path: Path) -> None:
    if (reason := netns_unavailable()) is not None:
        pytest.skip(reason)
    check = _doctor(tmp_path, isolated=True)["os network block"]
    assert check["status"] == "ok" and "network namespace with no interface but loopback" in check["detail"]


@pytest.mark.slow
def test_doctor_reports_it_absent_on_a_machine_with_a_network_interface(tmp_path: Path) -> None:
    interfaces = [line.split(":", 1)[0].strip() for line in Path("/proc/net/dev").read_text().splitlines()[2:]]
    if interfaces == ["lo"]:
        pytest.skip("this machine has no interface but loopback: there is no 'absent' to see")
    check = _doctor(tmp_path, isolated=False)["os network block"]
    assert check["status"] == "warn" and check["detail"].startswith(("absent", "could not tell"))
    assert "docs/network-isolation.md" in check["fix"]
