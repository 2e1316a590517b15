"""Model input for a FHIR record: ``key: value`` lines in a fixed order, within a token budget.

Each line is a section (``diagnoses: ...``, ``medications: ...``); its items are joined with
``; ``. Sections are filled in priority order and items in their own order (most relevant
first) until the budget is spent; what does not fit is cut and counted by section, so the
caller can report it. Line keys use the field names the structured-summary baseline
understands (``reason_for_visit``, ``diagnoses``, ``problems``, ``medications``, ``history``,
``plan``).

Tokens are estimated as words and punctuation marks, which is close to, and never above, what
a subword tokenizer makes of clinical text; the training's ``max_source_len`` still applies.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["Rendered", "Section", "estimate_tokens", "render_sections"]

_TOKEN = re.compile(r"\w+|[^\w\s]")


def estimate_tokens(text: str) -> int:
    """Words and punctuation marks in ``text``: the budget's unit."""
    return len(_TOKEN.findall(text))


@dataclass(frozen=True)
class Section:
    """One line of model input: its key, its items (most important first) and its priority
    (lower fills first)."""

    key: str
    items: Sequence[str]
    priority: int


@dataclass
class Rendered:
    """The model input text and what the budget cut (items by section key)."""

    text: str
    tokens: int
    cut: Counter[str] = field(default_factory=Counter)


def render_sections(sections: Sequence[Section], budget: int) -> Rendered:
    """Lay ``sections`` out as ``key: item; item`` lines in their given order, keeping, in
    priority order, every item that fits within ``budget`` estimated tokens."""
    kept: dict[int, list[str]] = {}
    cut: Counter[str] = Counter()
    spent = 0
    for number, section in sorted(enumerate(sections), key=lambda pair: (pair[1].priority, pair[0])):
        items = [item for item in section.items if item.strip()]
        if not items:
            continue
        heading = estimate_tokens(section.key) + 1  # "key:"
        chosen: list[str] = []
        for position, item in enumerate(items):
            cost = estimate_tokens(item) + (heading if not chosen else 1)  # a ";" between items
            if spent + cost > budget:
                cut[section.key] += len(items) - position
                break
            chosen.append(item)
            spent += cost
        if chosen:
            kept[number] = chosen
    lines = [f"{sections[n].key}: {'; '.join(kept[n])}" for n in sorted(kept)]
    return Rendered("\n".join(lines), spent, cut)
