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
def atomic_writer(path: Path) -> Iterator[TextIO]:
    """Open a temporary file beside ``path`` for text; on success it replaces ``path``.

    On any error the temporary file is removed and ``path`` keeps its old content.
    """
    path = Path(path)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
    try:
        # mode "x" creates the file with the usual umask permissions (mkstemp would force 0600)
        with open(tmp, "x", encoding="utf-8", newline="\n") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
