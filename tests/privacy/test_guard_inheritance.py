"""Child processes of a guarded MedSum process are guarded too: a subprocess or a
``multiprocessing`` spawn child installs the guard as soon as it imports MedSum code."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest

from privacy.offline import GUARD_ENV, INHERIT_ENV, INHERITED, install_network_guard

ROOT = Path(__file__).resolve().parents[2]
_CHILD = ("import json; from tests.privacy.child_probe import status, udp_connect_outcome; "
          "print(json.dumps([*status(), udp_connect_outcome()]))")


@pytest.fixture(autouse=True)
def _guard_on():
    install_network_guard(enabled=True, source="test")
    yield
    install_network_guard(enabled=True, source="test")


def _child(env: dict[str, str] | None = None) -> list:
    out = subprocess.run([sys.executable, "-c", _CHILD], cwd=ROOT, env={**os.environ, **(env or {})},
                         capture_output=True, text=True, timeout=60, check=True)
    return json.loads(out.stdout)


def test_the_guard_marks_the_environment_while_it_is_on() -> None:
    assert os.environ[INHERIT_ENV] == "1"
    install_network_guard(enabled=False, source="test off")
    assert INHERIT_ENV not in os.environ


def test_a_python_subprocess_that_imports_medsum_is_guarded() -> None:
    assert _child() == [True, True, INHERITED, "blocked"]


def test_a_child_of_an_unguarded_process_is_not() -> None:
    install_network_guard(enabled=False, source="test off")
    installed, enabled, _, outcome = _child()
    assert (installed, enabled) == (False, False) and outcome != "blocked"


def test_the_childs_own_setting_still_decides() -> None:
    assert _child({GUARD_ENV: "off"})[:3] == [True, False, f"env {GUARD_ENV}"]
    assert _child({GUARD_ENV: "of"})[:3] == [True, True, INHERITED]  # a typo never turns it off


def test_a_multiprocessing_spawn_child_is_guarded() -> None:
    from tests.privacy.child_probe import status, udp_connect_outcome

    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        assert pool.apply(status) == (True, True, INHERITED)
        assert pool.apply(udp_connect_outcome) == "blocked"
