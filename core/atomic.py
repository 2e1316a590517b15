"""Write files atomically, so a crash or a full disk never leaves a half-written file."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

__all__ = ["atomic_writer"]


@contextmanager
def atomic_writer(path: Path, *, private: bool = False) -> Iterator[TextIO]:
    """Open a temporary file beside ``path`` for text; on success it replaces ``path``.

    On any error the temporary file is removed and ``path`` keeps its old content.
    ``private`` writes the file with mode 0600 whatever the umask: an export that may hold
    patient text, written outside the 0700 workspace, is readable by its owner only.
    """
    path = Path(path)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
    try:
        if private:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.fchmod(fd, 0o600)  # exactly 0600 (the umask could only have taken bits away)
            opened = open(fd, "w", encoding="utf-8", newline="\n")
        else:
            # mode "x" creates the file with the usual umask permissions (mkstemp would force 0600)
            opened = open(tmp, "x", encoding="utf-8", newline="\n")
        with opened as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
