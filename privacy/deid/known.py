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

from privacy.deid.detection import Detection
from privacy.phi import PhiCategory

__all__ = ["KnownIdentifiers"]

_TOKEN = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
_GENERIC_FACILITY = frozenset(
    "st st. saint hospital medical center centre clinic general regional community health family "
    "memorial university of the and care county city children's childrens mercy sacred heart".split()
)
_DIGITS_FIRST = (PhiCategory.PHONE, PhiCategory.FAX, PhiCategory.SSN)
_MIN_ID = 4  # shorter ids ("12") would match everywhere


@dataclass
class KnownIdentifiers:
    """The identifiers of one record, collected from its structured PHI, and a matcher for them."""

    literals: dict[str, PhiCategory] = field(default_factory=dict)  # folded text -> category
    cased: dict[str, PhiCategory] = field(default_factory=dict)  # exact-case only (abbreviations)
    digit_runs: dict[str, PhiCategory] = field(default_factory=dict)  # digits of phone-like values
    _pattern: re.Pattern[str] | None = None

    def add(self, category: PhiCategory, value: str) -> None:
        """Record one structured PHI value of the record."""
        value = value.strip()
        if not value:
            return
        self._pattern = None
        if category in _DIGITS_FIRST:
            digits = re.sub(r"\D", "", value)
            if len(digits) >= 7:
                self.digit_runs[digits[-10:] if category != PhiCategory.SSN else digits] = category
            return
        if category == PhiCategory.DATE or category == PhiCategory.AGE:
            return  # the date and age detectors find these in any format
        self._add_literal(value, category)
        if category == PhiCategory.NAME:
            self._add_name_parts(value)
        elif category == PhiCategory.FACILITY:
            self._add_facility_parts(value)

    def _add_literal(self, text: str, category: PhiCategory) -> None:
        folded = text.casefold()
        if len(folded) >= 2 and (category != PhiCategory.NAME or not folded.isdigit()):
            if category in (PhiCategory.NAME, PhiCategory.CITY, PhiCategory.FACILITY, PhiCategory.ADDRESS) \
                    or len(folded) >= _MIN_ID:
                self.literals.setdefault(folded, category)

    def _add_name_parts(self, value: str) -> None:
        tokens = [t.group(0).rstrip("'’") for t in _TOKEN.finditer(value)]
        for token in tokens:
            if len(token) >= 2:
                self.literals.setdefault(token.casefold(), PhiCategory.NAME)
        if len(tokens) >= 2:
            initials = [t[0].upper() for t in tokens]
            self.cased.setdefault(".".join(initials) + ".", PhiCategory.NAME)
            self.cased.setdefault(". ".join(initials) + ".", PhiCategory.NAME)
            for first, last in ((tokens[0], tokens[-1]),):
                self.cased.setdefault(f"{first[0].upper()}. {last}", PhiCategory.NAME)

    def _add_facility_parts(self, value: str) -> None:
        words = value.replace("-", " ").split()
        letters = "".join(w[0] for w in words if w[0].isalpha() and w.lower() not in ("of", "the", "and"))
        if len(letters) >= 3:
            self.cased.setdefault(letters.upper(), PhiCategory.FACILITY)
        for word in words:
            if word.lower().strip(".,") not in _GENERIC_FACILITY and len(word) >= 4 and word[0].isupper():
                self.literals.setdefault(word.casefold().strip(".,"), PhiCategory.FACILITY)

    def _compiled(self) -> re.Pattern[str] | None:
        if self._pattern is None:
            parts = []
            if self.literals:
                alts = "|".join(re.escape(k) for k in sorted(self.literals, key=len, reverse=True))
                parts.append(rf"(?P<lit>(?i:{alts}))")
            if self.cased:
                alts = "|".join(re.escape(k) for k in sorted(self.cased, key=len, reverse=True))
                parts.append(rf"(?P<cased>{alts})")
            for i, digits in enumerate(sorted(self.digit_runs, key=len, reverse=True)):
                sep = r"[\s().-]{0,3}"
                body = sep.join(re.escape(d) for d in digits)
                parts.append(rf"(?P<d{i}>(?:\+?1{sep})?{body})")
            if not parts:
                return None
            self._pattern = re.compile(rf"(?<!\w)(?:{'|'.join(parts)})(?![^\W_])")
        return self._pattern

    def detect(self, text: str) -> list[Detection]:
        """Every occurrence of the record's identifiers in ``text``."""
        pattern = self._compiled()
        if pattern is None:
            return []
        digit_keys = sorted(self.digit_runs, key=len, reverse=True)
        found = []
        for match in pattern.finditer(text):
            kind = match.lastgroup or ""
            if kind == "lit":
                category = self.literals[match.group(0).casefold()]
            elif kind == "cased":
                category = self.cased[match.group(0)]
            else:
                category = self.digit_runs[digit_keys[int(kind[1:])]]
            found.append(Detection(match.start(), match.end(), category, f"known.{category.lower()}", known=True))
        return found
