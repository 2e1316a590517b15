"""core.atomic: a write replaces its target whole, and a private one is owner-only whatever the umask."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from core.atomic import atomic_writer


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_private_write_is_owner_only_under_a_permissive_umask(tmp_path: Path) -> None:
    target = tmp_path / "summary.json"
    old = os.umask(0)
    try:
        with atomic_writer(target, private=True) as handle:
            handle.write("{}\n")
    finally:
        os.umask(old)
    assert target.read_text(encoding="utf-8") == "{}\n" and _mode(target) == 0o600


def test_private_write_replaces_a_world_readable_file(tmp_path: Path) -> None:
    """An older export left 0644 does not keep its mode: the new content is owner-only."""
    target = tmp_path / "report.md"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o644)
    with atomic_writer(target, private=True) as handle:
        handle.write("new")
    assert target.read_text(encoding="utf-8") == "new" and _mode(target) == 0o600


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_writer(target, private=True) as handle:
        handle.write("half")
        raise RuntimeError("disk full")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_default_write_keeps_the_umask(tmp_path: Path) -> None:
    target = tmp_path / "data.jsonl"
    old = os.umask(0o022)
    try:
        with atomic_writer(target) as handle:
            handle.write("x")
    finally:
        os.umask(old)
    assert _mode(target) == 0o644
