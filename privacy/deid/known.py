"""Find a record's own identifiers anywhere in its free text.

Every name, city, street, facility and id that the record's structured fields hold is
looked for in its text: in full, in part (each name token), as dotted initials, and
case-insensitively. Phone-like values match whatever their punctuation. These detections
are marked ``known``: they win over the medical protect-list ("Dr. Parkinson" the patient's
own doctor stays a name even though "Parkinson" is an eponym).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from typing import NamedTuple

from privacy.deid.detection import Detection
from privacy.phi import PhiCategory

__all__ = ["KnownIdentifiers", "GENERIC_FACILITY_WORDS", "clear_entry_cache"]

#: Words of hospital names that identify nobody ("General Hospital"); surrogates keep them too.
GENERIC_FACILITY_WORDS = frozenset(
    "st st. saint hospital medical center centre clinic general regional community health family "
    "memorial university of the and care county city children's childrens mercy sacred heart".split()
)
_ALNUM = re.compile(r"[^\W_]+")
_NON_DIGIT = re.compile(r"\D")
_DIGIT = re.compile(r"\d")
_INITIALS = re.compile(r"(?<![\w.])(?:[A-Z]\.\s?){2,4}(?![\w])")
_DIGITISH = re.compile(r"\d[\d\s().-]{5,}\d")
_COUNTRY = re.compile(r"\+?1[\s.-]?\(?$")
_DIGITS_FIRST = (PhiCategory.PHONE, PhiCategory.FAX, PhiCategory.SSN)
# The same members as module names: reading an enum member off its class costs ~0.1 us each.
_NAME, _FACILITY, _SSN = PhiCategory.NAME, PhiCategory.FACILITY, PhiCategory.SSN
_FOUND_ELSEWHERE = (PhiCategory.DATE, PhiCategory.AGE)
_LOOSE = (PhiCategory.NAME, PhiCategory.CITY, PhiCategory.FACILITY, PhiCategory.ADDRESS)
#: Every ASCII byte but 0-9: deleting them from an ASCII text's bytes leaves its ``\d`` characters.
_ASCII_NON_DIGITS = bytes(b for b in range(128) if not 0x30 <= b <= 0x39)
_MIN_ID = 4  # shorter ids ("12") would match everywhere
#: Each category's rule name, ``known.<category>``, built once rather than once per detection.
_RULES: dict[PhiCategory, str] = {category: f"known.{category.lower()}" for category in PhiCategory}
_START = itemgetter(0)  # a Detection's start (its first field), without a new lambda per call


class _Entries(NamedTuple):
    """What one structured value adds to the matcher, by the structure it goes into (each in
    the order the value gives it)."""

    sequences: tuple[tuple[tuple[str, ...], PhiCategory], ...]  # folded token sequences
    digits: tuple[tuple[str, PhiCategory], ...]  # digit runs of phone-like values
    cased: tuple[tuple[str, PhiCategory], ...]  # exact-case abbreviations
    initials: tuple[str, ...]  # "ML" for Maria Lopez
    first_initials: tuple[str, ...]  # "M" for Maria Lopez


def _longest_first(item: tuple[tuple[str, ...], PhiCategory]) -> int:
    return -len(item[0])


@lru_cache(maxsize=65536)
def _entries(category: PhiCategory, value: str) -> _Entries | None:
    """What one structured value adds to the matcher, or None for nothing (cached: a patient's
    values repeat in every one of their records).

    Grouped by kind, so ``add`` puts each group where it goes without testing a kind per entry;
    each kind goes into a structure of its own, so only the order within a kind matters."""
    value = value.strip()
    if not value or category in _FOUND_ELSEWHERE:
        return None  # the date and age detectors find these in any format
    if category in _DIGITS_FIRST:
        digits = _NON_DIGIT.sub("", value)
        if len(digits) < 7:
            return None
        return _Entries((), ((digits[-10:] if category != _SSN else digits, category),), (), (), ())
    tokens = tuple(map(str.casefold, _ALNUM.findall(value)))
    if not tokens:
        return None
    sequences: list[tuple[tuple[str, ...], PhiCategory]] = []
    cased: list[tuple[str, PhiCategory]] = []
    initials: tuple[str, ...] = ()
    first_initials: tuple[str, ...] = ()
    if len(tokens) > 1 or len(tokens[0]) >= (2 if category in _LOOSE else _MIN_ID):
        sequences.append((tokens, category))
    if category == _NAME:
        sequences += [((part,), _NAME) for part in tokens if len(part) >= 2]
        words = value.split()
        if len(words) >= 2:
            initials = ("".join(w[0].upper() for w in words),)
            first_initials = (words[0][0].upper(),)
    elif category == _FACILITY:
        words = value.replace("-", " ").split()
        letters = "".join(w[0] for w in words if w[0].isalpha() and w.lower() not in ("of", "the", "and"))
        if len(letters) >= 3:
            cased.append((letters.upper(), category))
        for word in words:
            bare = word.strip(".,")
            if bare.lower() not in GENERIC_FACILITY_WORDS and len(bare) >= 4 and bare[0].isupper():
                sequences.append(((bare.casefold(),), category))
    if not (sequences or cased or initials):  # first_initials come only with initials
        return None
    return _Entries(tuple(sequences), (), tuple(cased), initials, first_initials)


def clear_entry_cache() -> None:
    """Forget the cached matcher entries of structured values (benchmarks repeating a run)."""
    _entries.cache_clear()


class _Needles(NamedTuple):
    """The strings one record's ``detect`` looks for."""

    folded: tuple[str, ...]  # first tokens of known sequences, found in the lower-cased text
    cased: tuple[str, ...]  # exact-case abbreviations, found in the text itself
    initial_dots: tuple[str, ...]  # "M." for each first letter of known initials ("ML")


def _add_to_bucket(bucket: list[tuple[tuple[str, ...], PhiCategory]], tokens: tuple[str, ...],
                   category: PhiCategory) -> None:
    """Add a sequence to those sharing its first token, longest first; a repeat keeps its first
    category."""
    if all(seq != tokens for seq, _ in bucket):
        bucket.append((tokens, category))
        bucket.sort(key=_longest_first)


def _whole_tokens(text: str, haystack: str, needle: str, found: set[tuple[int, int]]) -> None:
    """Add each span where ``needle`` occurs in ``haystack`` (``text`` or its same-length lower
    case) with no letter or digit of ``text`` on either side."""
    at = haystack.find(needle)
    while at != -1:
        end = at + len(needle)
        if (at == 0 or not text[at - 1].isalnum()) and (end == len(text) or not text[end].isalnum()):
            found.add((at, end))
        at = haystack.find(needle, at + 1)


@dataclass
class KnownIdentifiers:
    """The identifiers of one record, collected from its structured PHI, and a matcher for them.

    Matching works on word tokens, not on a per-record regular expression (compiling one per
    record cost more than all the detectors together): a value is a sequence of folded
    tokens, looked up by its first token, so "Lopez", "MARIA LOPEZ" and "ACC 88231" for
    "ACC-88231" all match with one pass over the text.
    """

    sequences: dict[str, list[tuple[tuple[str, ...], PhiCategory]]] = field(default_factory=dict)
    cased: dict[str, PhiCategory] = field(default_factory=dict)  # exact-case single tokens (abbreviations)
    initials: set[str] = field(default_factory=set)  # "ML" for Maria Lopez: matched only as "M.L." forms
    first_initials: set[str] = field(default_factory=set)
    digit_runs: dict[str, PhiCategory] = field(default_factory=dict)  # digits of phone-like values
    _needle_cache: _Needles | None = field(default=None, repr=False)

    def add(self, category: PhiCategory, value: str) -> None:
        """Record one structured PHI value of the record."""
        entries = _entries(category, value)
        if entries is None:
            return  # a date, an age, a short value: nothing changes
        self._needle_cache = None
        sequences_, digits, cased, initials, first_initials = entries
        sequences = self.sequences
        for key, cat in sequences_:
            bucket = sequences.get(key[0])
            if bucket is None:  # the common case: a first token no other value starts with
                sequences[key[0]] = [(key, cat)]
            else:
                _add_to_bucket(bucket, key, cat)
        if digits:
            self.digit_runs.update(digits)  # a later run of the same digits sets its category, as before
        if cased:
            for key, cat in cased:
                self.cased.setdefault(key, cat)
        if initials:
            self.initials.update(initials)
            self.first_initials.update(first_initials)

    def detect(self, text: str) -> list[Detection]:
        """Every occurrence of the record's identifiers in ``text``."""
        found: list[Detection] = []
        needles = self._needles()
        folded, cased, initial_dots = needles
        if folded or cased:
            self._detect_tokens(text, found, needles)
        if initial_dots and "." in text:
            for dot in initial_dots:  # every dotted-initials match holds "<first initial>."
                if dot in text:
                    self._detect_initials(text, found)
                    break
        if self.digit_runs and self._digits_may_occur(text):
            self._detect_digits(text, found)
        return sorted(found, key=_START) if len(found) > 1 else found

    def _detect_initials(self, text: str, found: list[Detection]) -> None:
        for m in _INITIALS.finditer(text):
            if m.group(0).replace(".", "").replace(" ", "") in self.initials:
                found.append(Detection(m.start(), m.end(), _NAME, "known.initials", known=True))

    def _detect_tokens(self, text: str, found: list[Detection], needles: _Needles) -> None:
        lower = text.lower()
        if len(lower) != len(text):  # a rare character whose lower case is longer: go token by token
            starts: list[tuple[int, int]] | set[tuple[int, int]] = [(m.start(), m.end()) for m in _ALNUM.finditer(text)]
        else:
            starts = self._candidate_starts(text, lower, needles)
            if not starts:
                return  # the common case: no known token in this text
        skip_to = 0
        cased_tokens = self.cased
        for start, first_end in sorted(starts):
            if start < skip_to:
                continue
            first = text[start:first_end]
            hit = self._extend(text, start, first_end, first.casefold())
            if hit is None and first in cased_tokens:
                hit = (first_end, cased_tokens[first])
            if hit is None:
                continue
            end, category = hit
            if category == _NAME and start >= 3 and text[start - 1] == " " and text[start - 2] == "." \
                    and text[start - 3] in self.first_initials and (start == 3 or not text[start - 4].isalnum()):
                start -= 3  # "W. Chen"
            found.append(Detection(start, end, category, _RULES[category], known=True))
            skip_to = end

    @staticmethod
    def _candidate_starts(text: str, lower: str, needles: _Needles) -> set[tuple[int, int]]:
        """Where a first token of ``needles`` occurs as a whole token, found with ``str.find`` (fast).

        Most first tokens are in no text: an ``in`` test (cheaper than a method call) skips them.
        """
        found: set[tuple[int, int]] = set()
        folded, cased, _ = needles
        for needle in folded:
            if needle in lower:
                _whole_tokens(text, lower, needle, found)
        for needle in cased:
            if needle in text:
                _whole_tokens(text, text, needle, found)
        return found

    def _needles(self) -> _Needles:
        """What ``detect`` looks for with ``in`` and ``str.find``, built once per record (``add``
        forgets it)."""
        if self._needle_cache is None:
            self._needle_cache = _Needles(tuple(self.sequences), tuple(self.cased),
                                          tuple({f"{ini[0]}." for ini in self.initials}))
        return self._needle_cache

    def _extend(self, text: str, start: int, first_end: int, first: str) -> tuple[int, PhiCategory] | None:
        """The longest known sequence starting with the token at ``start``: its end and category."""
        for seq, category in self.sequences.get(first, ()):
            end = first_end
            for token in seq[1:]:
                nxt = _ALNUM.search(text, end, end + 4 + len(token))
                if nxt is None or nxt.start() - end > 3 or nxt.group(0).casefold() != token:
                    break
                end = nxt.end()
            else:
                return end, category
        return None

    def _digits_may_occur(self, text: str) -> bool:
        """False only when no known digit run can be found in ``text`` (a cheap gate).

        A digit-ish run is contiguous, so its digits are a contiguous piece of all the text's
        digits: a known run (seven digits or more) missing from those is missing from every run.
        For an ASCII text ``\\d`` is exactly 0-9, which one ``bytes.translate`` keeps; other
        texts only need a digit.
        """
        if not text.isascii():
            return _DIGIT.search(text) is not None
        digits = text.encode("ascii").translate(None, _ASCII_NON_DIGITS).decode("ascii")
        for known in self.digit_runs:  # a loop, not any(<generator>): most texts hold none
            if known in digits:
                return True
        return False

    def _detect_digits(self, text: str, found: list[Detection]) -> None:
        for run in _DIGITISH.finditer(text):
            # A run holds only \d and [\s().-], so its digits are exactly its \d characters.
            digits = _NON_DIGIT.sub("", run.group(0))
            positions: list[int] = []
            for known_digits, category in self.digit_runs.items():
                at = digits.find(known_digits)
                if at != -1 and not positions:
                    positions = [run.start() + k for k, ch in enumerate(run.group(0)) if ch.isdigit()]
                while at != -1:
                    start = positions[at]
                    country = _COUNTRY.search(text, max(0, start - 4), start)
                    if country is not None and len(known_digits) == 10:
                        start = country.start()  # "+1 555 ..." keeps its country code in the span
                    found.append(Detection(start, positions[at + len(known_digits) - 1] + 1, category,
                                           _RULES[category], known=True))
                    at = digits.find(known_digits, at + len(known_digits))
