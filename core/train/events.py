"""The events stream of a run: JSON lines (step, epoch, loss, lr, samples/s, ETA, ...)
written to the run directory and, optionally, to a file of the user's choice; and reading it
back, incrementally (:class:`EventReader`) or as where the run stands (:func:`summarize_events`)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

__all__ = ["EventReader", "EventStream", "EventsSummary", "fold_summary", "parse_lines", "read_tail", "summarize_events"]


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



# -- reading ------------------------------------------------------------------------------

_TAIL_BYTES = 64 * 1024  # a first look at a long file reads this much of its end...
_TAIL_MAX_BYTES = 1024 * 1024  # ...then up to this much when no step is in it


@dataclass(frozen=True)
class EventsSummary:
    """Where a run stands by its events: the newest figures, and its end when the newest
    segment of the file (a resume appends a new one) has ended."""

    step: int | None = None
    total_steps: int | None = None
    loss: float | None = None
    epsilon: float | None = None  # the latest figure a DP run reported (the ledger has the settled one)
    eta_s: float | None = None
    samples_per_s: float | None = None
    best_val_loss: float | None = None
    private: bool | None = None  # from a "start" event, when the part read has one
    end: dict[str, Any] | None = None  # the "end" event, when nothing started after it
    last_time: float | None = None  # the newest event's time (seconds since the epoch)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def fold_summary(summary: EventsSummary, events: Iterable[dict[str, Any]]) -> EventsSummary:
    """``summary`` advanced by ``events`` (oldest first); unknown events and fields are skipped."""
    for event in events:
        kind = event.get("event")
        changes: dict[str, Any] = {}
        when = _number(event.get("time"))
        if when is not None:
            changes["last_time"] = when
        if kind == "start":
            changes.update(step=_count(event.get("step")), total_steps=_count(event.get("total_steps")), end=None,
                           private=event.get("dp") is not None, eta_s=None)
        elif kind == "step":
            changes.update(step=_count(event.get("step")), end=None, loss=_number(event.get("loss")),
                           eta_s=_number(event.get("eta_s")), samples_per_s=_number(event.get("samples_per_s")))
            if _count(event.get("total_steps")) is not None:
                changes["total_steps"] = event["total_steps"]
            if _number(event.get("epsilon")) is not None:
                changes["epsilon"] = event["epsilon"]
        elif kind == "epoch":
            if _number(event.get("best_val_loss")) is not None:
                changes["best_val_loss"] = event["best_val_loss"]
        elif kind == "end":
            changes.update(end=dict(event), eta_s=None)
            if _count(event.get("step")) is not None:
                changes["step"] = event["step"]
            if _number(event.get("epsilon")) is not None:
                changes["epsilon"] = event["epsilon"]
        kept = {k: v for k, v in changes.items() if v is not None or k in ("end", "eta_s")}
        if kept:
            summary = replace(summary, **kept)
    return summary


def parse_lines(data: bytes) -> list[dict[str, Any]]:
    """The events in ``data`` (complete lines); a line that is not a JSON object is skipped."""
    events = []
    for line in data.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            events.append(event)
    return events


class EventReader:
    """Reads an events file incrementally: each :meth:`read` returns the complete lines added
    since the last one. A line still being written (no newline yet) waits for the next read."""

    def __init__(self, path: Path, offset: int = 0) -> None:
        """Start reading ``path`` at byte ``offset`` (0: the beginning)."""
        self.path = path
        self.offset = offset

    def read(self) -> list[dict[str, Any]]:
        """The new complete events (none when the file does not exist yet)."""
        try:
            with self.path.open("rb") as handle:
                handle.seek(self.offset)
                data = handle.read()
        except FileNotFoundError:
            return []
        end = data.rfind(b"\n") + 1
        self.offset += end
        return parse_lines(data[:end])


_SUMMARIES: dict[str, tuple[int, int, int, EventsSummary]] = {}  # path: (device, inode, offset read, summary)
_SUMMARIES_LOCK = threading.Lock()


def read_tail(path: Path, size: int) -> tuple[int, EventsSummary]:
    """The summary of the end of ``path`` (its first ``size`` bytes: a window of its end, 64 KiB
    to 1 MiB, until a step is found) and the offset of the end of its last complete line."""
    window = _TAIL_BYTES
    with path.open("rb") as handle:
        while True:
            start = max(0, size - window)
            handle.seek(start)
            data = handle.read(size - start)
            end = data.rfind(b"\n") + 1
            body = data[:end]
            if start > 0:  # the first line is likely cut: begin after it
                body = body[body.find(b"\n") + 1:]
            summary = fold_summary(EventsSummary(), parse_lines(body))
            if summary.step is not None or start == 0 or window >= _TAIL_MAX_BYTES:
                return start + end, summary
            window *= 4


def summarize_events(path: Path) -> EventsSummary | None:
    """Where the run stands by its events file ``path``; None when there is no such file.

    Cheap for a long file: the first call reads its end only (64 KiB, more when no step is
    there), and each later call in the process reads only what was appended since."""
    try:
        stat = path.stat()
    except OSError:
        return None
    key = str(path)
    with _SUMMARIES_LOCK:
        cached = _SUMMARIES.get(key)
    try:
        if cached is not None and cached[:2] == (stat.st_dev, stat.st_ino) and cached[2] <= stat.st_size:
            offset, summary = cached[2], cached[3]
            if offset < stat.st_size:
                reader = EventReader(path, offset)
                summary = fold_summary(summary, reader.read())
                offset = reader.offset
        else:
            offset, summary = read_tail(path, stat.st_size)
    except OSError:
        return None
    with _SUMMARIES_LOCK:
        _SUMMARIES[key] = (stat.st_dev, stat.st_ino, offset, summary)
    return summary
