"""Phone and fax numbers.

Phones are branches of the number scan (``555-234-5678``, ``555.234.5678``, ``555 234 5678``,
``5552345678``, ``1-800-...``, with an extension) and two literal-prefix scans for the forms a
number cannot start (``(555) 234-5678``, ``+1 555 234 5678``). Bare digits are a phone only
in the NANP shape and when no identifier label precedes them (a ten-digit number after
``MRN`` is a record number); a seven-digit ``555-1234`` only right after a phone word.

A number is a fax when a fax word follows it or is the last phone word before it. Emails are
with URLs and IP addresses in :mod:`privacy.deid.recognizers.web`: they are found from their
own trigger, like URLs, not by the number scan.
"""

from __future__ import annotations

import re

from privacy.deid.recognizers.base import Branch, Detection, Follow, Prefix, Recognizer
from privacy.deid.recognizers.ids import labelled_value
from privacy.deid.recognizers.text import label_before, rev_words, reversed_before
from privacy.phi import PhiCategory as C

__all__ = ["RECOGNIZER"]

_Out = list[Detection]

_EXT = r"(?:\s*(?:[xX]|[eE][xX][tT]\.?|[eE]xtension)\s*\d{1,6}(?![\w\-]))?"


def _phone_re(name: str) -> str:
    return (rf"(?P<{name}>(?<![\w+/.\-$]\d)(?:(?<=1)[\s.\-]?(?:\(\d{{3}}\)\s?|\d{{3}}[\s.\-]?)\d{{3}}[\s.\-]?\d{{4}}"
            rf"|\d\d[\s.\-]?\d{{3}}[\s.\-]?\d{{4}})(?![\w\-]|[./,]\d){_EXT})")


# Phones written "(555) 234-5678" or "+1 555 234 5678": a literal first character, found fast.
_PHONE_PAREN = r"\((?<![\w+]\()\d{3}\)\s?-?\d{3}[\s.\-]?\d{4}(?![\w\-]|[./,]\d)" + _EXT
_PHONE_INTL = (r"\+(?<![\w+]\+)1[\s.\-]?(?:\(\d{3}\)\s?|\d{3}[\s.\-]?)\d{3}[\s.\-]?\d{4}"
               r"(?![\w\-]|[./,]\d)" + _EXT)

_FAX_WORD = re.compile(r"\b(?:fax(?:ed|ing|es)?|facsimile|fx)\b|\bF\s*[:#]|\(F\)", re.IGNORECASE)
_PHONE_WORD = re.compile(
    r"\b(?:ph(?:one)?|tel(?:ephone)?|cell|mobile|call(?:ed|back|s)?|pager|beeper|contact|reach(?:able)?|home|work"
    r"|voicemail|vm|text)\b|\b[PCHW]\s*:",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<!\bSt)(?<!\bDr)(?<!\bMr)(?<!\bMs)(?<!\bMrs)(?<!\b[A-Z])[.!?]\s+[A-Z]")
_FAX_AFTER = re.compile(r"\s*[(\[]?\s*(?:fax|facsimile|\(f\)|f\))", re.IGNORECASE)
_LONG_NUMBER = re.compile(r"\d[\d\s().-]{8,}\d")


def _is_fax(text: str, start: int, end: int) -> bool:
    if _FAX_AFTER.match(text, end):
        return True
    lo = max(0, start - 80)
    window = text[lo:start]
    low = window.lower()
    if "fax" not in low and "fx" not in low and "f:" not in low and "f#" not in low and "(f)" not in low \
            and "facsimile" not in low and "f :" not in low:
        return False
    last = None
    for last in _FAX_WORD.finditer(window):
        pass
    if last is None:
        return False
    between = window[last.end():]
    return not (_PHONE_WORD.search(between) or _SENTENCE_END.search(between) or _LONG_NUMBER.search(between))


def _phone(text: str, m: re.Match[str], out: _Out) -> None:
    start, end = m.span()
    value = m.group(0)
    if value.isdigit():
        # Bare digits: a NANP number (area and exchange start with 2-9) unless labelled as an id.
        label = label_before(text, start)
        if label is not None and label != "phone":
            labelled_value(text, start, end, label, out)  # a labelled id or code, not a phone
            return
        if len(value) != 10 or value[0] in "01" or value[3] in "01":
            if len(value) >= 9:
                out.append(Detection(start, end, C.ID, "id.digits"))
            return
    category = C.FAX if _is_fax(text, start, end) else C.PHONE
    out.append(Detection(start, end, category, "fax" if category is C.FAX else "phone"))


_PHONE_WORD_REV = re.compile(
    r"\W*(?:ta|si|no|ot|fo)?\W*" + rev_words(("call", "called", "phone", "ph", "tel", "telephone", "cell", "mobile",
                                              "home", "work", "pager", "beeper", "page", "contact", "reach", "reached",
                                              "reachable", "callback", "number", "no", "#", "fax", "f", "p", "c",
                                              "h", "w")) + r"(?![a-z])"
)


def _local_phone(text: str, m: re.Match[str], out: _Out) -> None:
    """A seven-digit number ("555-1234"): a phone only right after a phone word."""
    start, end = m.span()
    if _PHONE_WORD_REV.match(reversed_before(text, start, 25)):
        category = C.FAX if _is_fax(text, start, end) else C.PHONE
        out.append(Detection(start, end, category, "fax.local" if category is C.FAX else "phone.local"))


_PH7 = r"(?P<ph7>(?<![\w.\-/]\d)\d\d-\d{4}(?![\w\-]|[./]\d))"

RECOGNIZER = Recognizer(
    name="contacts",
    order=50,
    priority={C.FAX: 4, C.PHONE: 5},
    branches=(
        Branch("ph_intl", _PHONE_INTL, Prefix("+"), 20, _phone),
        Branch("ph_paren", _PHONE_PAREN, Prefix("("), 20, _phone),
        Branch("ph_d", _phone_re("ph_d"), Follow.DOT, 20, _phone, yields_to_prefix=True),
        Branch("ph", _phone_re("ph"), Follow.HYPHEN, 20, _phone, yields_to_prefix=True),
        Branch("ph7", _PH7, Follow.HYPHEN, 40, _local_phone, yields_to_prefix=True),
        Branch("ph_b", _phone_re("ph_b"), Follow.SPACE, 20, _phone, yields_to_prefix=True),
        Branch("ph_c", _phone_re("ph_c"), Follow.OTHER, 20, _phone, yields_to_prefix=True),
    ),
    field_keys={
        **dict.fromkeys(("phone", "telephone", "tel", "mobile", "cell", "home_phone", "work_phone", "phone_number",
                         "contact_number", "pager"), C.PHONE),
        **dict.fromkeys(("fax", "fax_number"), C.FAX),
    },
    surrogates={C.PHONE: "_phone", C.FAX: "_phone"},
)
