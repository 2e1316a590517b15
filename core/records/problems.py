"""Problems found in input records: where they are, and a one-line message without PHI.

A problem names the file, the line (or array element), the record id when known and the
field; its message never quotes a field's value.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from core.atomic import atomic_writer

__all__ = ["Location", "Problem", "write_problem_report"]


@dataclass(frozen=True)
class Location:
    """Where a record or problem sits: a file, and a 1-based line or 0-based array index."""

    file: str
    line: int | None = None
    index: int | None = None

    def __str__(self) -> str:
        text = self.file
        if self.line is not None:
            text += f":{self.line}"
        if self.index is not None:
            text += f" (element {self.index})"
        return text


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, and where."""

    location: Location
    message: str
    record: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts = [str(self.location)]
        if self.record is not None:
            parts.append(f"record {self.record!r}")
        if self.field is not None:
            parts.append(f"field {self.field!r}")
        text = ": ".join(parts) + f": {self.message}"
        if not text.isascii():  # a file name or id with a lone surrogate must not crash the print
            text = text.encode("utf-8", "backslashreplace").decode("utf-8")
        return text

    def to_json(self) -> dict[str, object]:
        """The problem as a flat JSON object for reports."""
        data = asdict(self)
        data.update(data.pop("location"))
        return data


def write_problem_report(path: Path, problems: list[Problem], *, records_ok: int, records_seen: int) -> None:
    """Write the problems as a JSON report, atomically, so a failed write leaves no half file."""
    report = {
        "records_seen": records_seen,
        "records_ok": records_ok,
        "problem_count": len(problems),
        "problems": [p.to_json() for p in problems],
    }
    with atomic_writer(path) as handle:
        handle.write(json.dumps(report, indent=2) + "\n")
