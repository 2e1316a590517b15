"""Write files atomically, so a crash or a full disk never leaves a half-written file."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

__all__ = ["atomic_writer"]


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
