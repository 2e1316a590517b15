"""Workspace resolution, creation (mode 0700), and refusal of unsafe or missing workspaces."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from core.workspace import SUBDIRS, WorkspaceError, init_workspace, open_workspace, resolve_workspace


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_explicit_option_wins_over_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDSUM_HOME", str(tmp_path / "env"))
    loc = resolve_workspace(tmp_path / "opt")
    assert (loc.path, loc.source) == (tmp_path / "opt", "--workspace")


def test_env_used_without_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDSUM_HOME", str(tmp_path / "env"))
    loc = resolve_workspace(None)
    assert (loc.path, loc.source) == (tmp_path / "env", "MEDSUM_HOME")


def test_default_is_platform_user_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEDSUM_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    loc = resolve_workspace(None)
    assert loc.source == "default"
    assert loc.path == tmp_path / "xdg" / "medsum"


def test_init_creates_private_workspace(workspace_dir: Path) -> None:
    opened, actions = init_workspace(resolve_workspace(workspace_dir))
    assert _mode(workspace_dir) == 0o700
    assert all(_mode(workspace_dir / sub) == 0o700 for sub in SUBDIRS)
    assert (workspace_dir / "config.toml").is_file()
    assert opened.config.records.target_field == "summary"
    assert any("created" in a for a in actions)


def test_init_is_idempotent_and_keeps_config(workspace_dir: Path) -> None:
    loc = resolve_workspace(workspace_dir)
    init_workspace(loc)
    (workspace_dir / "config.toml").write_text('schema_version = 1\n[records]\ntarget_field = "note"\n')
    opened, actions = init_workspace(loc)
    assert actions == []
    assert opened.config.records.target_field == "note"


def test_init_tightens_loose_mode(workspace_dir: Path) -> None:
    workspace_dir.mkdir(mode=0o755)
    workspace_dir.chmod(0o755)
    _, actions = init_workspace(resolve_workspace(workspace_dir))
    assert _mode(workspace_dir) == 0o700
    assert any("0755" in a for a in actions)


def test_open_refuses_uninitialized(workspace_dir: Path) -> None:
    with pytest.raises(WorkspaceError, match="medsum init"):
        open_workspace(resolve_workspace(workspace_dir))


def test_open_refuses_world_readable(workspace_dir: Path) -> None:
    loc = resolve_workspace(workspace_dir)
    init_workspace(loc)
    workspace_dir.chmod(0o750)
    with pytest.raises(WorkspaceError, match="chmod 700"):
        open_workspace(loc)


def test_init_refuses_a_file(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(WorkspaceError, match="not a directory"):
        init_workspace(resolve_workspace(target))
