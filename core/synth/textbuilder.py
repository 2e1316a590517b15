"""Render ``str.format``-style templates while recording where each PHI value landed.

A template such as ``"{pt_title} seen {enc_date} by {dr}."`` is split with
:class:`string.Formatter`; literal text is appended as is and every placeholder is
resolved into :class:`Piece` objects, each optionally tagged with a PHI category. Offsets
are counted while appending, so a recorded span always matches the text exactly.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Piece", "RawSpan", "Resolver", "TextBuilder", "parse_template", "placeholders"]


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of text to append; PHI of ``category`` when the category is set."""

    text: str
    category: str | None = None


@dataclass(frozen=True, slots=True)
class RawSpan:
    """A PHI span inside one built text: ``text[start:end]`` is of ``category``."""

    start: int
    end: int
    category: str


Resolver = Callable[[str], "Piece | Sequence[Piece]"]

_FORMATTER = string.Formatter()


@lru_cache(maxsize=4096)
def parse_template(template: str) -> tuple[tuple[str, str | None], ...]:
    """Split a template into ``(literal, placeholder-or-None)`` pairs, cached.

    Raises ValueError for positional fields, format specs or conversions, which the
    synthetic templates never need.
    """
    parts: list[tuple[str, str | None]] = []
    for literal, field, spec, conversion in _FORMATTER.parse(template):
        if field is not None and (not field.isidentifier() or spec or conversion):
            raise ValueError(f"unsupported placeholder {field!r} in template {template!r}")
        parts.append((literal, field))
    return tuple(parts)


@lru_cache(maxsize=4096)
def placeholders(template: str) -> frozenset[str]:
    """The placeholder names a template uses."""
    return frozenset(field for _, field in parse_template(template) if field is not None)


class TextBuilder:
    """Accumulates text and the PHI spans inside it.

    ``transform`` (for instance ``str.upper`` for an ALL-CAPS nursing note) is applied to
    every piece before it is appended, so offsets stay exact even if it changes lengths.
    """

    def __init__(self, transform: Callable[[str], str] | None = None) -> None:
        self._transform = transform
        self._parts: list[str] = []
        self._spans: list[RawSpan] = []
        self._length = 0

    def __len__(self) -> int:
        return self._length

    def add(self, text: str, category: str | None = None) -> None:
        """Append ``text``; record it as a span when ``category`` is given."""
        if self._transform is not None:
            text = self._transform(text)
        if not text:
            return
        start = self._length
        self._parts.append(text)
        self._length += len(text)
        if category is not None:
            self._spans.append(RawSpan(start, self._length, category))

    def add_pieces(self, pieces: Piece | Sequence[Piece]) -> None:
        """Append one piece or a sequence of pieces."""
        if isinstance(pieces, Piece):
            self.add(pieces.text, pieces.category)
            return
        for piece in pieces:
            self.add(piece.text, piece.category)

    def render(self, template: str, resolve: Resolver) -> None:
        """Append ``template`` with each placeholder replaced by ``resolve(name)``."""
        for literal, field in parse_template(template):
            if literal:
                self.add(literal)
            if field is not None:
                self.add_pieces(resolve(field))

    def text(self) -> str:
        """The text built so far."""
        return "".join(self._parts)

    def spans(self) -> list[RawSpan]:
        """The PHI spans recorded so far, in text order."""
        return list(self._spans)
