"""Text helpers that the recognizers share: word tries, backward label reading, quantity units.

The recognizers read context *backwards* from a candidate: the few characters before it,
lower-cased and reversed, are matched by an anchored regex of reversed phrases
(:func:`rev_words`, :func:`reversed_before`). That is one ``match`` at one place, never a
scan for the phrase across the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["LABELS", "label_before", "matches_from_words", "rev_words", "reversed_before", "split_words", "trie",
           "unit_follows"]


def trie(words: list[str] | tuple[str, ...]) -> str:
    """A regex matching any of ``words``, as a character trie (the engine tries a branch per
    character, not per word). A space in a phrase matches any run of spaces, or none."""
    root: dict[str, dict] = {}
    for word in set(words):
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        ends = "" in node
        branches = [(r"\s*" if ch == " " else re.escape(ch)) + emit(child)
                    for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return "(?:" + emit(root) + ")"


def split_words(text: str) -> tuple[str, ...]:
    """The blank-separated words of ``text`` (for long word lists written as one string)."""
    return tuple(text.split())


def rev_words(words: list[str] | tuple[str, ...]) -> str:
    """A regex matching each phrase of ``words`` written backwards."""
    return trie([" ".join(token[::-1] for token in reversed(phrase.split())) for phrase in words])


def reversed_before(text: str, start: int, width: int) -> str:
    """The ``width`` characters before ``start``, lower-cased and reversed."""
    return text[max(0, start - width):start].lower()[::-1]


def matches_from_words(pattern: re.Pattern[str], probe: str, words: tuple[str, ...]) -> Iterator[re.Match[str]]:
    """``pattern.finditer(probe)``, for a ``pattern`` that can only match where one of ``words``
    starts (it opens with them, as literals). The words are found with ``str.find`` and the
    pattern is matched there only, skipping those inside the previous match, as ``finditer``
    does: a regex that starts with a look-behind is tried at every character instead."""
    starts: list[int] = []
    for word in words:
        if word in probe:  # "in" is cheaper than a find() call
            i = probe.find(word)
            while i >= 0:
                starts.append(i)
                i = probe.find(word, i + 1)
    end = 0
    for i in sorted(set(starts)):
        if i >= end:  # matches are never empty: each holds a word
            m = pattern.match(probe, i)  # look-behinds still see the text before i
            if m is not None:
                end = m.end()
                yield m


# Words after a number that make it a quantity rather than a date part or an identifier.
_UNIT_AFTER = re.compile(
    r"\s*(?:-\s*)?(?:mg|mcg|µg|ug|g|gm|grams?|kg|lbs?|pounds?|oz|ounces?|ml|cc|l|liters?|litres?|units?|iu|meq"
    r"|mmol|mmhg|mm|cm|m|km|in|inch(?:es)?|ft|feet|foot|miles?|%|percent|tabs?|tablets?|caps?|capsules?|pills?"
    r"|puffs?|drops?|doses?|sprays?|patch(?:es)?|cups?|glass(?:es)?|tsp|tbsp|teaspoons?|tablespoons?|packs?|ppd"
    r"|cigarettes?|drinks?|beers?|times|x|hours?|hrs?|h|minutes?|mins?|seconds?|secs?|days?|d|weeks?|wks?"
    r"|months?|mos?|years?|yrs?|y|bpm|beats|breaths|strength|ns|normal\s+saline|of\b|the\b|and\s+a\s+half)(?![a-z])",
    re.IGNORECASE,
)


def unit_follows(text: str, end: int) -> bool:
    """Whether a unit or quantity word follows ``text[:end]`` ("40 mg", "3 days", "1/2 of")."""
    return _UNIT_AFTER.match(text, end) is not None


# --- labels of identifiers, read backwards from the value ------------------------------------

_MARKS = ("#", "no", "no.", "number", "num", "id")
#: Label groups, each a list of the phrases that name it ("code" and "phone" mean the number is
#: not an identifier of a person; the others name the identifier kind).
LABELS: dict[str, tuple[str, ...]] = {
    # code systems: a number they label is a code, not an identifier of a person
    "code": ("snomed", "snomed ct", "sct", "loinc", "ndc", "cpt", "icd", "icd-9", "icd-10", "icd9", "icd10",
             "rxnorm", "rxcui", "hcpcs", "code", "codes", "cui"),
    # phone words: a number they label is a phone, never an identifier
    "phone": ("phone", "telephone", "tel", "tel.", "cell", "mobile", "fax", "pager", "beeper", "call", "callback",
              "contact", "home", "work", "ph", "ph.", "reachable at", "reach at", "at"),
    "veh": ("license plate", "licence plate", "lic plate", "plate", "plates", "vin", "vehicle", "vehicle id")
    + tuple(f"tag {m}" for m in _MARKS),
    "ssn": ("ssn", "ss#", "ss #", "ss no", "ss no.", "social security", "social security number", "soc sec",
            "soc. sec."),
    "mrn": ("mrn", "mr#", "mr #", "mr no", "mr no.", "medical record", "medical record number", "med rec",
            "med. rec.", "medical rec", "chart", "record") + tuple(
        f"{w} {m}" for w in ("chart", "hospital", "unit", "patient", "pt", "record") for m in _MARKS),
    "acct": ("acct", "acct.", "account", "a/c", "enc", "enc.", "billing", "billing acct", "billing account", "fin",
             "csn", "har") + tuple(f"{w} {m}" for w in ("encounter", "visit", "enc") for m in _MARKS),
    "plan": ("member", "member id", "membership", "subscriber", "subscriber id", "policy", "policy holder",
             "insurance", "insurance id", "insured id", "medicaid", "medicare", "mbi", "hicn", "beneficiary",
             "beneficiary id", "payer id", "health plan") + tuple(
        f"{w} {m}" for w in ("plan", "group", "health plan") for m in _MARKS),
    "lic": ("lic", "lic.", "license", "licence", "dea", "npi", "upin") + tuple(
        f"{w} {m}" for w in ("certificate", "cert", "cert.", "registration", "license", "licence") for m in _MARKS),
    "dev": ("serial", "s/n", "sn", "udi", "device serial", "pacemaker serial") + tuple(
        f"{w} {m}" for w in ("device", "pacemaker", "implant", "model", "lot", "serial") for m in _MARKS),
    "gen": ("id", "i.d.", "identifier", "claim", "accession", "requisition", "confirmation", "ticket", "badge",
            "employee id", "passport", "#", "no.") + tuple(
        f"{w} {m}" for w in ("ref", "reference", "claim", "specimen", "case", "order", "accession", "sample")
        for m in _MARKS),
}
_GAP_REV = (r"(?:[\s:#=(\-]|" + rev_words(("no", "no.", "number", "num", "num.", "id", "i.d.", "is", "was"))
            + r"(?![a-z0-9]))*")
_LABEL_REV = re.compile(
    _GAP_REV + "(?:" + "|".join(f"(?P<{name}>{rev_words(words)})" for name, words in LABELS.items())
    + r")(?![a-z0-9])"
)


def label_before(text: str, start: int) -> str | None:
    """The label group ("mrn", "plan", ..., "phone") written just before ``start``, if any."""
    m = _LABEL_REV.match(reversed_before(text, start, 48))
    return m.lastgroup if m else None

