"""Every way into MedSum installs the network guard before it does anything else: each console
script that pyproject.toml declares (so a new one cannot forget), ``python -m medsum_tui`` and
``packaging/model-bundle``. Each runs in a fresh interpreter that inherits no guard."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from privacy.offline import GUARD_ENV, INHERIT_ENV

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS: dict[str, str] = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]

# Call the entry point as its console script would, then try a UDP connect() to TEST-NET-1
# (connecting a UDP socket sends no packet) and report the guard's state and the outcome.
_CALL = """
import contextlib, importlib, io, json, socket, sys
target, argv = sys.argv[1], sys.argv[2:]
module, _, name = target.partition(":")
sys.argv = [name, *argv]
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        getattr(importlib.import_module(module), name)()
    except SystemExit:
        pass
from privacy.offline import NetworkBlockedError, guard_status
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
    try:
        sock.connect(("192.0.2.1", 9))
        outcome = "connected"
    except NetworkBlockedError:
        outcome = "blocked"
    except OSError as exc:
        outcome = f"os error {exc.errno}"
status = guard_status()
print(json.dumps([status.installed, status.enabled, outcome]))
"""


def _fresh_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (INHERIT_ENV, GUARD_ENV)}
    return {**env, "MEDSUM_HOME": str(tmp_path / "ws")}


def _after(tmp_path: Path, argv: list[str]) -> list:
    out = subprocess.run([sys.executable, *argv], cwd=ROOT, env=_fresh_env(tmp_path), stdin=subprocess.DEVNULL,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.splitlines()[-1])


def test_pyproject_declares_the_entry_points_this_test_knows() -> None:
    assert {"medsum", "medsum-model-bundle"} <= set(SCRIPTS)


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_every_console_script_installs_the_guard_before_parsing_its_arguments(script: str, tmp_path: Path) -> None:
    assert _after(tmp_path, ["-c", _CALL, SCRIPTS[script], "--help"]) == [True, True, "blocked"]


@pytest.mark.parametrize("argv", [["verify", "missing.tar.gz"], ["export", "no-such-dir", "out.tar.gz"]], ids=" ".join)
def test_model_bundle_verify_and_export_run_guarded(argv: list[str], tmp_path: Path) -> None:
    # Neither opens a workspace, which was where the guard used to be set.
    assert _after(tmp_path, ["-c", _CALL, SCRIPTS["medsum-model-bundle"], *argv]) == [True, True, "blocked"]


def test_python_dash_m_medsum_tui_installs_the_guard(tmp_path: Path) -> None:
    code = ("import runpy, sys\nsys.argv = ['medsum_tui', '--help']\n"
            "try:\n    runpy.run_module('medsum_tui', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "from privacy.offline import guard_status\nprint([guard_status().installed, guard_status().enabled])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_fresh_env(tmp_path), capture_output=True,
                         text=True, timeout=120, check=True)
    assert out.stdout.splitlines()[-1] == "[True, True]"


def test_the_checkout_model_bundle_script_installs_the_guard(tmp_path: Path) -> None:
    code = ("import runpy, sys\nsys.argv = ['model-bundle', 'verify', 'missing.tar.gz']\n"
            "try:\n    runpy.run_path('packaging/model-bundle', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "from privacy.offline import guard_status\nprint([guard_status().installed, guard_status().enabled])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_fresh_env(tmp_path), capture_output=True,
                         text=True, timeout=120, check=True)
    assert out.stdout.splitlines()[-1] == "[True, True]"


def test_an_it_policy_that_locks_the_guard_on_beats_the_environment_from_the_first_step(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[offline]\nnetwork_guard = true\n")
    code = ("from core.guard import configure_entry_guard\nstatus = configure_entry_guard()\n"
            "print([status.enabled, status.source])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         check=True, env={**_fresh_env(tmp_path), GUARD_ENV: "off", "MEDSUM_POLICY_FILE": str(policy)})
    assert out.stdout.splitlines()[-1] == "[True, 'IT policy']"
