"""Write files atomically, so a crash or a full disk never leaves a half-written file; and
find and remove the temporaries that a killed process left behind.

A temporary is named ``.NAME.PID.HEX.tmp`` beside what it becomes (a file, or a dataset's
directory): the pid says whose it is. One is a leftover when that process is gone *and*
nothing in it changed for :data:`LEFTOVER_MIN_AGE_S`: a pid can be reused, and a process
in another pid namespace (a container, another host on a shared disk) looks gone from here,
so a young temporary is never touched whatever its pid says.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

__all__ = ["LEFTOVER_MIN_AGE_S", "Leftover", "atomic_writer", "find_leftovers", "pid_alive", "remove_leftovers"]

#: A temporary of a gone process is a leftover once nothing in it changed for this long.
LEFTOVER_MIN_AGE_S = 30 * 60
#: ``.NAME.PID.HEX32.tmp``: atomic_writer's, the dataset import's and the model store's. The 32 hex digits are
#: required: other temporaries (a checkpoint's ``.step-000020.HEX8.tmp``, which resume may
#: still use) can look like ``.NAME.NUMBER.tmp`` and are not this module's to remove.
_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>[0-9]{1,10})\.[0-9a-f]{32}\.tmp$")
#: How deep below the workspace temporaries are looked for (runs/RUN/x: 3).
_DEPTH = 4


def _private_open(path: str, flags: int) -> int:
    """``open``'s opener for an owner-only file: created with mode 0600, whatever the umask."""
    fd = os.open(path, flags, 0o600)
    os.fchmod(fd, 0o600)
    return fd


@contextmanager
def atomic_writer(path: Path, *, private: bool = False) -> Iterator[TextIO]:
    """Open a temporary file beside ``path`` for text; on success it replaces ``path``.

    On any error the temporary file is removed and ``path`` keeps its old content.
    ``private`` writes the file with mode 0600 whatever the umask: an export that may hold
    patient text, written outside the 0700 workspace, is readable by its owner only.
    """
    path = Path(path)
    _remove_sibling_leftovers(path)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
    try:
        # mode "x" creates the file with the usual umask permissions (mkstemp would force 0600);
        # a private one is created 0600 and set to exactly that (the umask only takes bits away)
        with open(tmp, "x", encoding="utf-8", newline="\n", opener=_private_open if private else None) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class Leftover:
    """A temporary file or directory of a process that is gone."""

    path: Path
    pid: int
    size: int  # bytes, the files below it counted for a directory
    is_dir: bool


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (``os.kill(pid, 0)``); a pid that cannot be asked about
    (0 or less: a process group) counts as alive, so nothing of it is removed."""
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # another user's process, or a pid this system cannot hold: keep it
    return True


def _newest_and_size(path: Path, st: os.stat_result) -> tuple[float, int]:
    """The newest modification time of ``path`` and what is below it, and their total size."""
    if not stat.S_ISDIR(st.st_mode):
        return st.st_mtime, st.st_size
    newest, size = st.st_mtime, 0
    for folder, dirs, files in os.walk(path):  # os.walk does not follow links to directories
        for name in dirs + files:
            try:
                sub = os.lstat(os.path.join(folder, name))
            except OSError:
                continue
            newest = max(newest, sub.st_mtime)
            if stat.S_ISREG(sub.st_mode):
                size += sub.st_size
    return newest, size


def _leftover(path: Path, *, min_age_s: float, now: float, own: int) -> Leftover | None:
    match = _TEMP.match(path.name)
    if match is None:
        return None
    pid = int(match["pid"])
    if pid == own or pid_alive(pid):
        return None
    try:
        st = path.lstat()
    except OSError:
        return None
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
        return None  # a link or anything else: never followed, never removed
    newest, size = _newest_and_size(path, st)
    if now - newest < min_age_s:
        return None
    return Leftover(path, pid, size, stat.S_ISDIR(st.st_mode))


def find_leftovers(root: Path, *, min_age_s: float = LEFTOVER_MIN_AGE_S, depth: int = _DEPTH) -> list[Leftover]:
    """The temporaries of gone processes under ``root`` (``depth`` levels down, links not
    followed, a temporary directory not searched inside), by path. Only names and sizes are
    read, never content."""
    found: list[Leftover] = []
    now, own = time.time(), os.getpid()
    folders: list[tuple[Path, int]] = [(Path(root), 0)]
    while folders:
        folder, level = folders.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.name.endswith(".tmp") and entry.name.startswith("."):
                item = _leftover(Path(entry.path), min_age_s=min_age_s, now=now, own=own)
                if item is not None:
                    found.append(item)
                continue
            if level + 1 < depth and entry.is_dir(follow_symlinks=False):
                folders.append((Path(entry.path), level + 1))
    return sorted(found, key=lambda item: str(item.path))


def remove_leftovers(leftovers: Iterable[Leftover]) -> list[Leftover]:
    """Remove each leftover whose process is still gone (asked again just before); return
    those removed. One that cannot be removed is skipped."""
    removed: list[Leftover] = []
    for item in leftovers:
        if pid_alive(item.pid):
            continue
        try:
            if item.is_dir:
                shutil.rmtree(item.path)  # removes links inside, never what they point to
            else:
                item.path.unlink()
        except FileNotFoundError:
            continue
        except OSError:
            continue
        removed.append(item)
    return removed


def _remove_sibling_leftovers(path: Path) -> None:
    """Remove the temporaries of ``path`` that gone processes left beside it (a partial
    ``--out`` file of a killed run), before writing a new one; errors are ignored."""
    prefix = f".{path.name}."
    try:
        names = [name for name in os.listdir(path.parent) if name.startswith(prefix) and name.endswith(".tmp")]
    except OSError:
        return
    now, own = time.time(), os.getpid()
    found = [item for item in (_leftover(path.parent / name, min_age_s=LEFTOVER_MIN_AGE_S, now=now, own=own)
                               for name in names) if item is not None and not item.is_dir]
    if found:
        remove_leftovers(found)
