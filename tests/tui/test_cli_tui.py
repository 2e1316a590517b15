"""``medsum tui``, and bare ``medsum``: the TUI in a terminal, the help elsewhere."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from medsum_tui.cli import main
from medsum_tui.tui.app import MedsumApp
from medsum_tui.tui.local import LocalBackend


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[MedsumApp]:
    """Record the apps that would run, instead of taking over the terminal."""
    apps: list[MedsumApp] = []
    monkeypatch.setattr(MedsumApp, "run", lambda self, *a, **k: apps.append(self))
    return apps


def test_tui_command_opens_the_app_on_the_workspace(opened: list[MedsumApp], tmp_path: Path) -> None:
    assert main(["tui", "--workspace", str(tmp_path / "ws")]) == 0
    assert len(opened) == 1 and isinstance(opened[0].backend, LocalBackend)
    assert opened[0].backend.location.path == tmp_path / "ws"


def test_bare_medsum_opens_the_tui_only_in_a_terminal(opened: list[MedsumApp], monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) in (0, 2)  # not a terminal (pytest's stdin): the help
    assert opened == [] and "Usage" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", _Tty())
    monkeypatch.setattr("sys.stdout", _Tty())
    assert main([]) == 0
    assert len(opened) == 1
