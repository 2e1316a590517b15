"""The CLI contract: --help everywhere, --workspace on every command, one-line errors, exit codes."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.cli.conftest import run_subprocess

COMMANDS = [["init"], ["doctor"], ["demo"], ["synth"], ["data"], ["data", "check"]]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_and_workspace(medsum, command: list[str]) -> None:
    result = medsum(*command, "--help")
    assert result.code == 0
    if command != ["data"]:
        assert "--workspace" in result.out


def test_bare_medsum_shows_commands(medsum) -> None:
    result = medsum()
    assert result.code in (0, 2)
    for name in ("init", "doctor", "demo", "synth", "data"):
        assert name in result.out


def test_unknown_command_is_a_usage_error(medsum) -> None:
    assert medsum("frobnicate").code == 2


def test_init_creates_workspace_from_option(medsum, workspace_dir: Path) -> None:
    result = medsum("init", "--workspace", str(workspace_dir))
    assert result.code == 0
    assert f"Workspace: {workspace_dir} (from --workspace)" in result.out
    assert stat.S_IMODE(workspace_dir.stat().st_mode) == 0o700


def test_init_uses_medsum_home(medsum, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDSUM_HOME", str(tmp_path / "home"))
    assert "(from MEDSUM_HOME)" in medsum("init").out
    assert (tmp_path / "home" / "config.toml").is_file()


def test_invalid_config_is_one_line_error(medsum, workspace_dir: Path) -> None:
    medsum("init", "--workspace", str(workspace_dir))
    (workspace_dir / "config.toml").write_text("[records]\nmax_depth = -1\n")
    result = medsum("data", "check", str(workspace_dir / "config.toml"), "--workspace", str(workspace_dir))
    assert result.code == 1  # a bad config file: the operation fails, the command line was right
    assert result.err.strip().count("\n") == 0
    assert "config.toml: records.max_depth" in result.err


def test_doctor_json_reports_guard_and_workspace(medsum, workspace_dir: Path) -> None:
    medsum("init", "--workspace", str(workspace_dir))
    result = medsum("doctor", "--json", "--workspace", str(workspace_dir))
    report = json.loads(result.out)
    checks = {c["name"]: c for c in report["checks"]}
    assert {"python", "libraries", "torch", "offline mode", "network guard", "keyring", "workspace", "config",
            "disk", "model store", "audit log"} <= set(checks)
    assert checks["network guard"]["status"] == "ok"
    assert checks["workspace"]["status"] == "ok"
    assert checks["model store"]["status"] == checks["audit log"]["status"] == "ok"
    assert checks["offline mode"]["status"] == "ok"
    assert result.code == (1 if not report["ok"] else 0)


def test_doctor_reports_guard_turned_off(medsum, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDSUM_NETWORK_GUARD", "off")
    result = medsum("doctor")
    assert "[WARN] network guard: OFF (turned off by env MEDSUM_NETWORK_GUARD)" in result.out


def test_doctor_fails_on_loose_workspace(medsum, workspace_dir: Path) -> None:
    medsum("init", "--workspace", str(workspace_dir))
    workspace_dir.chmod(0o755)
    result = medsum("doctor", "--workspace", str(workspace_dir))
    assert result.code == 1
    assert "[FAIL] workspace" in result.out and f"chmod 700 {workspace_dir}" in result.out


def test_user_error_in_subprocess_has_no_traceback(tmp_path: Path) -> None:
    result = run_subprocess("data", "check", str(tmp_path / "absent.jsonl"))
    assert result.code == 1
    assert result.err.strip() == f"medsum: error: {tmp_path / 'absent.jsonl'}: no such file or directory"
    assert "Traceback" not in result.err
