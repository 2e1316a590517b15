"""Temporaries that killed processes left (``.NAME.PID[.HEX].tmp``): found, reported by names
and sizes only, and removed at workspace open or by the next atomic write of the same file;
never one of a live process, nor a young one (issue 20, item 9)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from core.atomic import LEFTOVER_MIN_AGE_S, atomic_writer, find_leftovers, pid_alive, remove_leftovers

OLD = time.time() - LEFTOVER_MIN_AGE_S - 60


def dead_pid() -> int:
    pid = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                             capture_output=True, text=True, check=True).stdout)
    assert not pid_alive(pid)
    return pid


def age(path: Path, when: float = OLD) -> Path:
    """Set the modification time of ``path`` and everything below it to ``when``."""
    for sub in [path, *(path.rglob("*") if path.is_dir() else [])]:
        os.utime(sub, (when, when), follow_symlinks=False)
    return path


def temp_file(folder: Path, name: str, pid: int, text: str = "partial") -> Path:
    path = folder / f".{name}.{pid}.{uuid.uuid4().hex}.tmp"
    path.write_text(text)
    return age(path)


def temp_dataset(folder: Path, name: str, pid: int) -> Path:
    """A half-imported dataset directory, as core.datasets.build leaves it when killed."""
    path = folder / f".{name}.{pid}.{uuid.uuid4().hex}.tmp"
    (path / "data" / "train").mkdir(parents=True)
    (path / "data" / "train" / "data-00000-of-00001.arrow").write_bytes(b"x" * 1000)
    return age(path)


def test_a_dead_process_temporary_is_found_and_removed(tmp_path: Path) -> None:
    dead = dead_pid()
    (tmp_path / "runs" / "r1").mkdir(parents=True)
    (tmp_path / "datasets").mkdir()
    partial = temp_file(tmp_path / "runs" / "r1", "config.json", dead)
    dataset = temp_dataset(tmp_path / "datasets", "notes", dead)
    found = find_leftovers(tmp_path)
    assert [item.path for item in found] == sorted([dataset, partial], key=str)
    assert {item.pid for item in found} == {dead}
    assert sum(item.size for item in found) == len("partial") + 1000
    assert remove_leftovers(found) == found
    assert not partial.exists() and not dataset.exists()


def test_a_live_process_temporary_is_kept(tmp_path: Path) -> None:
    mine = temp_file(tmp_path, "out.jsonl", os.getpid())
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        other = temp_dataset(tmp_path, "notes", sleeper.pid)
        assert find_leftovers(tmp_path) == []
        assert mine.exists() and other.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_young_temporary_is_kept_whatever_its_pid(tmp_path: Path) -> None:
    """A pid that looks dead may be a live process in another pid namespace (shared disk)."""
    dead = dead_pid()
    young = temp_file(tmp_path, "out.jsonl", dead)
    age(young, time.time())
    folder = temp_dataset(tmp_path, "notes", dead)
    age(folder / "data" / "train" / "data-00000-of-00001.arrow", time.time())  # still being written
    assert find_leftovers(tmp_path) == []


def test_only_temporary_names_and_no_links(tmp_path: Path) -> None:
    dead = dead_pid()
    (tmp_path / f"notes.{dead}.tmp").write_text("not hidden")  # not a name MedSum writes
    (tmp_path / "checkpoint.tmp").mkdir()
    target = tmp_path / "precious"
    target.mkdir()
    (target / "keep.txt").write_text("keep")
    link = tmp_path / f".link.{dead}.tmp"
    link.symlink_to(target)
    os.utime(link, (OLD, OLD), follow_symlinks=False)
    assert find_leftovers(tmp_path) == []
    assert (target / "keep.txt").exists()


def test_pid_alive_never_says_gone_for_a_process_group() -> None:
    assert pid_alive(0) and pid_alive(-1) and pid_alive(os.getpid())


def test_an_atomic_write_removes_the_partial_files_of_its_target(tmp_path: Path) -> None:
    dead = dead_pid()
    stale = temp_file(tmp_path, "out.jsonl", dead)
    mine = temp_file(tmp_path, "out.jsonl", os.getpid())
    other = temp_file(tmp_path, "other.jsonl", dead)
    with atomic_writer(tmp_path / "out.jsonl") as handle:
        handle.write("{}\n")
    assert not stale.exists() and mine.exists() and other.exists()
    assert (tmp_path / "out.jsonl").read_text() == "{}\n"


@pytest.mark.parametrize("name", [".out.jsonl.0.{hex}.tmp", ".out.jsonl.99999999999.{hex}.tmp",
                                  ".out.jsonl.{dead}.tmp", ".step-000020.{dead}.tmp"])
def test_odd_pids_and_other_temporaries_are_kept(tmp_path: Path, name: str) -> None:
    """Pid 0 (a process group), a pid too large, and names MedSum's atomic writes do not make:
    a checkpoint's ``.step-000020.HEX8.tmp`` (its 8 hex digits may all be digits) is resume's."""
    path = tmp_path / name.format(hex=uuid.uuid4().hex, dead=dead_pid())
    path.write_text("x")
    age(path)
    assert find_leftovers(tmp_path) == []
