"""The events stream of a run: JSON lines (step, epoch, loss, lr, samples/s, ETA, ...)
written to the run directory and, optionally, to a file of the user's choice."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

__all__ = ["EventStream"]


class EventStream:
    """Appends events to every target file, flushed line by line, and passes them to a callback."""

    def __init__(self, paths: list[Path], callback: Callable[[dict[str, Any]], None] | None = None) -> None:
        """Open (append) each path; ``callback`` sees every event too (the CLI's progress bar)."""
        self._files: list[TextIO] = [p.open("a", encoding="utf-8") for p in paths]
        self._callback = callback

    def emit(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Write one event of ``kind`` with a timestamp and return it."""
        event = {"event": kind, "time": round(time.time(), 3), **fields}
        line = json.dumps(event) + "\n"
        for handle in self._files:
            handle.write(line)
            handle.flush()
        if self._callback is not None:
            self._callback(event)
        return event

    def close(self) -> None:
        """Close the files."""
        for handle in self._files:
            handle.close()

