"""A record as display text (``path: value`` lines) and where its PHI lies in that text.

The de-identifier reports findings by JSON path and offsets inside the original value; these
functions lay the record out line by line and move those offsets onto the laid-out text, so
a view can colour each span by category. Pure functions: no Textual, no I/O.
"""

from __future__ import annotations

import json
import re
from typing import Any

from medsum_tui.tui.backend import Highlight
from privacy.deid.engine import Deidentifier, DeidOutcome, iter_leaves
from privacy.phi import PhiCategory

__all__ = ["deidentified_view", "file_view", "layout", "tagged_view"]

_TAG = re.compile(r"\[(" + "|".join(c.value for c in PhiCategory) + r")\]")


def _scalar(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def layout(record: dict[str, Any]) -> tuple[str, dict[str, int]]:
    """``record`` as ``path: value`` lines, and the offset in that text where each path's value starts."""
    lines: list[str] = []
    starts: dict[str, int] = {}
    offset = 0
    for path, _, _, value in iter_leaves(record):
        line = f"{path}: {_scalar(value)}"
        starts[path] = offset + len(path) + 2
        lines.append(line)
        offset += len(line) + 1
    return "\n".join(lines), starts


def tagged_view(text: str) -> tuple[str, list[Highlight]]:
    """``text`` with each redaction tag (``[NAME]``, ``[DATE]``...) highlighted by its category."""
    return text, [Highlight(m.start(), m.end(), m.group(1)) for m in _TAG.finditer(text)]


def deidentified_view(record: dict[str, Any]) -> tuple[str, list[Highlight]]:
    """A redacted record laid out as lines, its tags highlighted."""
    return tagged_view(layout(record)[0])


def file_view(engine: Deidentifier, data: dict[str, Any], patient: str) -> tuple[str, list[Highlight], DeidOutcome]:
    """A raw record laid out as lines with every finding highlighted, and its redacted outcome.

    The raw text stays in memory for the screen that asked; nothing here logs or stores it.
    """
    outcome = engine.deidentify(data, patient, strategy="redact", residual_scan=False)
    text, starts = layout(data)
    highlights = [Highlight(starts[f.path] + f.start, starts[f.path] + f.end, f.category.value)
                  for f in outcome.findings if f.path in starts]
    return text, sorted(highlights, key=lambda h: h.start), outcome
