"""What a recognizer declares, and the detection it emits.

A :class:`Recognizer` is everything the de-identifier knows about one PHI family (dates,
phones, names...): the categories it owns and how they rank when detections overlap, how it
finds them in free text, the structured-field keys that hold them, and their surrogates.
:mod:`privacy.deid.recognizers.registry` assembles one scan pass and the engine's tables
from the recognizers it lists.

A recognizer finds PHI in free text in up to three ways, all within the registry's one pass:

- :class:`Branch`: an alternative of the *number scan*, one regex that visits each run of
  digits once. A branch sits in the :class:`Follow` class of what follows its digit run, so
  the regex engine tries it only where it can match; or it is a :class:`Prefix` scan of its
  own, found from a literal character (``(``, ``+``) that a number cannot start with;
- :class:`Trigger`: a scan function that runs only when one of its words occurs in the
  lower-cased text (``@`` for emails, ``box`` for PO boxes);
- ``scan``: a free-form scan function that runs on every text (names).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from typing import Any, NamedTuple

from privacy.phi import PhiCategory

__all__ = [
    "Branch", "Detection", "Follow", "Handler", "Prefix", "Recognizer", "ScanFn", "Surrogate", "Trigger", "fold_key",
]


class _Span(NamedTuple):
    start: int
    end: int
    category: PhiCategory
    rule: str
    known: bool = False


class Detection(_Span):
    """PHI at ``text[start:end]`` of one string field.

    ``rule`` names the detector that fired (for reports and debugging; never a value).
    ``known`` is true when the span matches an identifier that the same record's structured
    fields hold: such a span is redacted even if it is also medical vocabulary.

    A named tuple: the detectors make hundreds of thousands of these, and a tuple is built
    several times faster than a frozen dataclass. An empty or negative span is refused.
    """

    __slots__ = ()

    def __new__(cls, start: int, end: int, category: PhiCategory, rule: str, known: bool = False) -> Detection:
        """A detection of ``text[start:end]``; ``start < end`` is checked."""
        if not 0 <= start < end:
            raise ValueError(f"bad span {start}:{end}")
        return tuple.__new__(cls, (start, end, category, rule, known))


#: A number-scan or prefix-scan handler: judges one match, appends what it finds to ``out``.
Handler = Callable[[str, re.Match[str], list[Detection]], None]
#: A trigger or free-form scan: ``(text, probe, out)``, where ``probe`` is ``text`` lower-cased
#: with the same offsets; it appends what it finds to ``out``, which already holds the
#: detections of the number scan and of the scans that ran before it.
ScanFn = Callable[[str, str, list[Detection]], None]
#: A surrogate: the name of a :class:`privacy.deid.surrogates.Replacer` method (``"_date"``),
#: or a function ``(replacer, text) -> surrogate``.
Surrogate = str | Callable[[Any, str], str]

_NOISE = re.compile(r"[\s_\-.]")


@lru_cache(maxsize=8192)
def fold_key(key: str) -> str:
    """Fold a key name so ``patientName``, ``patient_name`` and ``Patient-Name`` compare equal."""
    return _NOISE.sub("", key).casefold()


class Follow(Enum):
    """A class of the number scan: what follows the run of digits that a branch starts at.

    The value is the class's look-ahead, tried once at each digit run; the classes are tried in
    this order, and within a class the branches by their ``order``.
    """

    SLASH = r"(?=\d{0,3}/)"  # a slash after at most four digits: dates
    DOT = r"(?=\d{0,3}\.)"  # a dot: IP addresses, phones, dates
    HYPHEN = r"(?=\d{0,3}-)"  # a hyphen: SSNs, phones, dates, "92-year-old"
    SPACE = r"(?=\d{0,5}[ \t]+[A-Z0-9(])"  # a blank, then a capital, a digit or "(": SSNs, phones, streets
    SHORT_SPACE = r"(?=\d{1,2}[ \t])"  # one or two digits, then a blank: "92 y/o"
    OTHER = r"(?:(?=\d{4}|\d{0,12}[A-Za-z\-]|\d{1,2}(?:[^\s\d]|\Z))|(?<=[A-Za-z\-#]\d))"  # bare digits, "92F", ids


@dataclass(frozen=True)
class Prefix:
    """A literal-prefix scan: its branch is a regex of its own, run before the number scan and
    only where ``literal`` occurs in the text (phones written ``(555) ...`` or ``+1 ...``)."""

    literal: str


@dataclass(frozen=True)
class Branch:
    r"""One way a recognizer matches in the number scan (or in a literal-prefix scan).

    ``pattern`` continues the number scan right after the first digit of a run of digits,
    which the scan has already matched (so ``\d\d-\d{4}`` matches ``555-1234``, and a
    look-behind ``(?<![\w.]\d)`` tests the character before that digit); the handler gets
    the whole match. The pattern holds the named group ``group``, which dispatches the match
    to ``handle``. A prefix branch's pattern is a regex of its own, starting at its literal,
    and needs no group. ``order``
    places the branch within its class, lower first (the regex takes the first alternative
    that matches; equal orders keep their recognizer's order, then their declaration's); the
    built-in branches use 10 (SSNs, IP addresses), 20 (phones), 30 (dates), 40 (local
    phones), 50 (ages), 60 (street addresses), 70 (ZIP codes) and 90 (any identifier token,
    the catch-all).

    ``yields_to_prefix``: skip a match that starts inside a literal-prefix match (the
    ``234-5678`` of ``(555) 234-5678``).
    """

    group: str
    pattern: str
    follow: Follow | Prefix
    order: int
    handle: Handler
    yields_to_prefix: bool = False

    def __post_init__(self) -> None:
        """A number-scan branch must name its group in its pattern (the dispatch key)."""
        if isinstance(self.follow, Follow) and f"(?P<{self.group}>" not in self.pattern:
            raise ValueError(f"branch {self.group!r}: the pattern has no group (?P<{self.group}>...)")


@dataclass(frozen=True)
class Trigger:
    """A scan that runs when any of ``words`` occurs in the lower-cased text.

    (A scan that runs on every text is a recognizer's ``scan``.)"""

    words: tuple[str, ...]
    scan: ScanFn

    def __post_init__(self) -> None:
        """Words must be non-empty and lower case: they are looked for in the lower-cased text."""
        if not self.words or any(not w or w != w.lower() for w in self.words):
            raise ValueError(f"trigger words must be non-empty and lower case: {self.words!r}")


@dataclass(frozen=True, kw_only=True)
class Recognizer:
    """One PHI family: what it owns, how it finds it, where records hold it, how it is replaced.

    - ``priority``: the categories the family owns, each with its rank when overlapping
      detections of equal length compete (lower wins; ranks are unique across the registry);
    - ``order``: where the family's triggers and free-form ``scan`` run in the pass, relative to
      the other families' (lower first; the number scan always runs before them all). A scan
      that must see everything the others found (an allow-list pass) takes a high order;
    - ``branches``, ``triggers``, ``scan``: how it finds PHI in free text (see the module);
    - ``field_keys``: structured-field key names that hold its categories (``None``: a key
      that never holds PHI), compared folded (:func:`fold_key`);
    - ``surrogates``: the surrogate of each category it owns; a category without one gets the
      format-keeping character surrogate (digits to digits, letters to letters).

    A recognizer may detect a category another one owns (a phone handler that finds a
    labelled record number emits MRN); it declares keys and surrogates only for its own.
    """

    name: str
    order: int
    priority: Mapping[PhiCategory, int] = field(default_factory=dict)
    branches: tuple[Branch, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    scan: ScanFn | None = None
    field_keys: Mapping[str, PhiCategory | None] = field(default_factory=dict)
    surrogates: Mapping[PhiCategory, Surrogate] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Keys and surrogates may only name categories this recognizer owns."""
        foreign = {c for c in self.field_keys.values() if c is not None} | set(self.surrogates)
        foreign -= set(self.priority)
        if foreign:
            names = ", ".join(sorted(c.value for c in foreign))
            raise ValueError(f"recognizer {self.name!r}: keys or surrogates for categories it does not own: {names}")

    @property
    def categories(self) -> tuple[PhiCategory, ...]:
        """The categories this recognizer owns."""
        return tuple(self.priority)
