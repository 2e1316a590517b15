"""The recognizer registry: one scan pass, and the engine's tables, from the recognizer modules.

:data:`MODULES` lists every recognizer module; it is the only place a module is registered.
From their :class:`~privacy.deid.recognizers.base.Recognizer` declarations,
:func:`build_registry` assembles:

- the number scan: one compiled regex whose first element is a digit that starts a run of
  digits, so the regex engine skips every other character in C. Its alternatives are the
  branches of every recognizer, grouped by :class:`~privacy.deid.recognizers.base.Follow`
  class (each class's look-ahead is tried once per digit run) and ordered within a class by
  their ``order``; each match goes to the handler of the named group that matched;
- the literal-prefix scans (phones written ``(555) ...`` or ``+1 ...``), run before it;
- the triggered and free-form scans, in recognizer ``order``, each only when one of its
  trigger words occurs in the lower-cased text;
- the overlap priorities (:data:`PRIORITY`, used by
  :func:`privacy.deid.detection.resolve_overlaps`), the structured-field key map
  (:data:`DEFAULT_KEY_MAP`, used by :mod:`privacy.deid.settings`) and the surrogate of each
  category (:data:`SURROGATES`, used by :class:`privacy.deid.surrogates.Replacer`).

A new PHI family is one module that defines ``RECOGNIZER`` and one line in :data:`MODULES`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from operator import attrgetter

from privacy.deid.recognizers import ages, contacts, dates, facilities, ids, locations, names, web
from privacy.deid.recognizers.base import (
    Detection,
    Follow,
    Handler,
    Prefix,
    Recognizer,
    ScanFn,
    Surrogate,
    fold_key,
)
from privacy.phi import PhiCategory

__all__ = [
    "DEFAULT_KEY_MAP", "MODULES", "PATTERNS", "PRIORITY", "REGISTRY", "SURROGATES", "Registry", "build_registry",
    "detect", "detect_patterns",
]

#: Every recognizer module (each defines ``RECOGNIZER``). Registering a new one is adding it here.
MODULES = (dates, web, ages, locations, contacts, ids, facilities, names)

# The number scan starts at a digit that starts a run of digits. [0-9], not \d: a range test per
# character is faster than a category test.
_DIGIT_RUN = r"[0-9](?<![0-9][0-9])"
_START = attrgetter("start")


def _join(alternatives: list[str]) -> str:
    return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"


def _trigger_tests(words: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[Callable[[str], object], ...]]:
    """How a trigger's ``words`` are looked for: some with ``in``, the rest by regex searches.

    ``str.__contains__`` is slow for a word that starts or ends with a blank or a sign (" rt",
    "0 ": the character its search keys on is frequent), and each word is a pass over the text.
    Two or more words that start with the same such character are one regex that starts with
    that character (the regex engine skips to a literal first character in C): it matches where
    the character is followed by the rest of one of the words, that is exactly where one of them
    occurs. Two or more words of one length that end with the same such character are one regex
    that starts with that character and looks behind it for a whole word (a look-behind of fixed
    width): it matches exactly where one of them ends. Every other word keeps ``in``.
    """
    def sign(ch: str) -> bool:
        return not ch.isalnum()

    by_first: dict[str, list[str]] = {}
    for w in words:
        if len(w) > 1 and sign(w[0]):
            by_first.setdefault(w[0], []).append(w)
    patterns: list[str] = []
    grouped: set[str] = set()
    for ch, group in by_first.items():
        if len(group) > 1:
            patterns.append(re.escape(ch) + _join([re.escape(w[1:]) for w in group]))
            grouped.update(group)
    by_last: dict[tuple[str, int], list[str]] = {}
    for w in words:
        if w not in grouped and len(w) > 1 and sign(w[-1]):
            by_last.setdefault((w[-1], len(w)), []).append(w)
    for (ch, _), group in by_last.items():
        if len(group) > 1:
            patterns.append(re.escape(ch) + "(?<=" + _join([re.escape(w[:-1]) for w in group]) + re.escape(ch) + ")")
            grouped.update(group)
    return tuple(w for w in words if w not in grouped), tuple(re.compile(p).search for p in patterns)


class Registry:
    """One detection pass, and the tables the engine needs, assembled from ``recognizers``.

    Use :func:`build_registry`. ``ValueError`` if two recognizers share a name, a category, a
    priority rank or a branch group, or map one (folded) field key to two categories.
    """

    __slots__ = ("recognizers", "number_scan", "priority", "key_map", "surrogates", "_handlers", "_prefix_scans",
                 "_yielding", "_scans", "detect")

    def __init__(self, recognizers: Iterable[Recognizer]) -> None:
        """Check the recognizers against each other and assemble the pass and the tables."""
        self.recognizers: tuple[Recognizer, ...] = tuple(recognizers)
        self.priority: dict[PhiCategory, int] = {}
        self.key_map: dict[str, PhiCategory | None] = {}
        self.surrogates: dict[PhiCategory, Surrogate] = {}
        owner: dict[object, str] = {}

        def claim(what: object, label: str, recognizer: Recognizer) -> None:
            if what in owner:
                raise ValueError(f"{label} is declared by both {owner[what]!r} and {recognizer.name!r}")
            owner[what] = recognizer.name

        for rec in self.recognizers:
            claim(("recognizer", rec.name), f"recognizer name {rec.name!r}", rec)
            for category, rank in rec.priority.items():
                claim(category, f"category {category.value}", rec)
                claim(("rank", rank), f"priority rank {rank}", rec)
                self.priority[category] = rank
            for key, key_category in rec.field_keys.items():
                folded = fold_key(key)
                if self.key_map.get(folded, key_category) != key_category:  # "email" and "e_mail" may agree
                    raise ValueError(f"field key {key!r} of {rec.name!r} is already "
                                     f"{self.key_map[folded]} by another declaration")
                self.key_map[folded] = key_category
            self.surrogates.update(rec.surrogates)

        # Branches: stable-sorted by their order, then their recognizer's (registration order
        # breaks the remaining ties).
        branches = sorted(((b, rec) for rec in self.recognizers for b in rec.branches),
                          key=lambda pair: (pair[0].order, pair[1].order))
        self._handlers: dict[str, Handler] = {}
        for branch, rec in branches:
            claim(("group", branch.group), f"branch group {branch.group!r}", rec)
            if isinstance(branch.follow, Follow):
                self._handlers[branch.group] = branch.handle
        classes = [cls.value + _join([b.pattern for b, _ in branches if b.follow is cls])
                   for cls in Follow if any(b.follow is cls for b, _ in branches)]
        # A registry without number branches gets a scan that never matches.
        self.number_scan: re.Pattern[str] = re.compile(
            _DIGIT_RUN + "(?:" + "|".join(classes) + ")" if classes else r"(?!)")
        self._prefix_scans: tuple[tuple[str, re.Pattern[str], Handler], ...] = tuple(
            (b.follow.literal, re.compile(b.pattern), b.handle) for b, _ in branches if isinstance(b.follow, Prefix))
        self._yielding = frozenset(b.group for b, _ in branches if b.yields_to_prefix)

        scans: list[tuple[tuple[str, ...], tuple[Callable[[str], object], ...], ScanFn]] = []
        for rec in sorted(self.recognizers, key=attrgetter("order")):
            scans += [(*_trigger_tests(trigger.words), trigger.scan) for trigger in rec.triggers]
            if rec.scan is not None:
                scans.append((("",), (), rec.scan))  # "" occurs in every text
        self._scans = tuple(scans)
        self.detect: Callable[[str], list[Detection]] = _single_pass(
            self.number_scan, self._handlers, self._yielding, self._prefix_scans, self._scans)


def _single_pass(number_scan: re.Pattern[str], handlers: dict[str, Handler], yielding: frozenset[str],
                 prefix_scans: tuple[tuple[str, re.Pattern[str], Handler], ...],
                 scans: tuple[tuple[tuple[str, ...], tuple[Callable[[str], object], ...], ScanFn], ...]
                 ) -> Callable[[str], list[Detection]]:
    """The pass as one function of the text. What it needs is bound in its closure, and the
    number scan is inlined: the pass runs on every string of every record."""

    def detect(text: str) -> list[Detection]:
        """Every detection of the pass in ``text``, raw (possibly overlapping), sorted by start."""
        out: list[Detection] = []
        if not text:
            return out
        probe = text.lower()
        if len(probe) != len(text):  # a character whose lower case is longer ("İ"): keep offsets
            probe = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)
        # The literal-prefix scans, then the number scan; a yielding branch's match that starts
        # inside a prefix match is skipped (the rest of "(555) 234-5678").
        claimed: list[tuple[int, int]] = []
        for literal, pattern, handle in prefix_scans:
            if literal in text:
                for m in pattern.finditer(text):
                    if claimed and any(s <= m.start() < e for s, e in claimed):
                        continue
                    claimed.append(m.span())
                    handle(text, m, out)
        for m in number_scan.finditer(text):
            kind = m.lastgroup or ""
            if claimed and kind in yielding and any(s <= m.start() < e for s, e in claimed):
                continue
            handlers[kind](text, m, out)
        # The triggered and free-form scans, in recognizer order: a scan runs when one of its
        # words is in the probe, or else one of its regex searches finds one (_trigger_tests).
        for words, searches, scan in scans:
            for word in words:
                if word in probe:
                    scan(text, probe, out)
                    break
            else:
                if searches:  # cheaper than a loop over an empty tuple (most triggers have none)
                    for search in searches:
                        if search(probe) is not None:
                            scan(text, probe, out)
                            break
        out.sort(key=_START)
        return out

    return detect


def build_registry(recognizers: Iterable[Recognizer]) -> Registry:
    """The pass and the tables of ``recognizers`` (see :class:`Registry`)."""
    return Registry(recognizers)


#: Every registered recognizer.
REGISTRY = build_registry(module.RECOGNIZER for module in MODULES)
#: The same pass without the name scan, which the engine still runs on its own
#: (:func:`privacy.deid.names.detect_names`): what :func:`detect_patterns` runs.
PATTERNS = build_registry(module.RECOGNIZER for module in MODULES if module is not names)

#: Overlap priority of each category (lower wins ties of length).
PRIORITY: dict[PhiCategory, int] = REGISTRY.priority
#: The built-in map from folded field key to category (``None``: never PHI).
DEFAULT_KEY_MAP: dict[str, PhiCategory | None] = REGISTRY.key_map
#: The surrogate of each category that has its own (the rest get the character surrogate).
SURROGATES: dict[PhiCategory, Surrogate] = REGISTRY.surrogates

#: Every detection of every registered recognizer in a text (raw, sorted by start).
detect = REGISTRY.detect
#: Every detection but the name scan's: the pattern detectors (raw, sorted by start).
detect_patterns = PATTERNS.detect
