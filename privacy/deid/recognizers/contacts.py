"""Phone and fax numbers.

Phones are branches of the number scan (``555-234-5678``, ``555.234.5678``, ``555 234 5678``,
``5552345678``, ``1-800-...``, with an extension) and two literal-prefix scans for the forms a
number cannot start (``(555) 234-5678``, ``+1 555 234 5678``). The separators of a ten-digit
number may be slashes or carry blanks (``570/555/0188``, ``212- 476- 8356``,
``(617)/555/0199``); such a number needs the NANP shape (area code and exchange start with
2-9). Bare digits are a phone only in the NANP shape and when no identifier label precedes
them (a ten-digit number after ``MRN`` is a record number); a seven-digit ``555-1234`` only
right after a phone word. A number written with a trunk ``0`` (``07 555 0193``,
``028 9055 0182``) is a phone, and so is an extension glued to its ``x`` (``x4-5521``).

After a pager word (a trigger scan): a short run of digit groups is a phone (``pager 48213``,
``PG 20931``, ``beeper 3-2290``, ``pager 55 071``, ``ext 4521``, ``page Dr Ottilie (48213)``):
four to twelve digits, never a date, a year, a pH or a time after ``at``. After a phone word,
seven digits split by a blank are a phone too (``cell 555 0143``).

A number is a fax when a fax word follows it or is the last phone word before it. Emails are
with URLs and IP addresses in :mod:`privacy.deid.recognizers.web`: they are found from their
own trigger, like URLs, not by the number scan.
"""

from __future__ import annotations

import re

from privacy.deid.recognizers.base import Branch, Detection, Follow, Prefix, Recognizer, Trigger
from privacy.deid.recognizers.ids import groups_at, labelled_value
from privacy.deid.recognizers.text import label_before, rev_words, reversed_before, unit_follows
from privacy.phi import PhiCategory as C

__all__ = ["RECOGNIZER"]

_Out = list[Detection]

_EXT = r"(?:\s*(?:[xX]|[eE][xX][tT]\.?|[eE]xtension)\s*\d{1,6}(?![\w\-]))?"
# Between the groups of a ten-digit number: one blank, dot or hyphen; or a slash, dot or hyphen
# with up to two blanks around it ("570/555/0188", "212- 476- 8356", "570 - 555 - 0123").
_SEP = r"(?:[ \t]{0,2}[./\-][ \t]{0,2}|\s)?"
# A separator that the plain forms do not use: the number then needs the NANP shape.
_LOOSE_SEP = re.compile(r"/|[ \t][./\-]|[./\-][ \t]")


def _phone_re(name: str) -> str:
    return (rf"(?P<{name}>(?<![\w+/.\-$]\d)(?:(?<=1)[\s.\-]?(?:\(\d{{3}}\)\s?|\d{{3}}[\s.\-]?)\d{{3}}[\s.\-]?\d{{4}}"
            rf"|\d\d{_SEP}\d{{3}}{_SEP}\d{{4}})(?![\w\-]|[./,]\d){_EXT})")


# Phones written "(555) 234-5678" or "+1 555 234 5678": a literal first character, found fast.
_PHONE_PAREN = (r"\((?<![\w+]\()\d{3}\)(?:[ \t]{0,2}[./\-]?[ \t]{0,2})\d{3}" + _SEP + r"\d{4}(?![\w\-]|[./,]\d)"
                + _EXT)
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


_MAIN_DIGITS = re.compile(r"[\d\s()./\-]+")  # the number without its extension


def _nanp(digits: str) -> bool:
    """Ten digits whose area code and exchange start with 2-9."""
    return len(digits) == 10 and digits[0] not in "01" and digits[3] not in "01"


def _phone(text: str, m: re.Match[str], out: _Out) -> None:
    start, end = m.span()
    value = m.group(0)
    main = _MAIN_DIGITS.match(value)
    if main is not None and _LOOSE_SEP.search(main.group(0).rstrip()) \
            and not _nanp(re.sub(r"\D", "", main.group(0))[-10:]):
        return  # "120 / 800 / 1000" is not a phone
    if value.isdigit():
        # Bare digits: a NANP number (area and exchange start with 2-9) unless labelled as an id.
        label = label_before(text, start)
        if label is not None and label != "phone":
            labelled_value(text, start, end, label, out)  # a labelled id or code, not a phone
            return
        if not _nanp(value):
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
_PH7_B = r"(?P<ph7_b>(?<![\w.\-/]\d)\d\d[ \t]\d{4}(?![\w\-]|[./]\d))"
# "555.0123": no quantity is written with three digits, a dot and four more, so the shape is enough
_PH7_D = r"(?P<ph7_d>(?<![\w.\-/]\d)\d\d\.\d{4}(?![\w.\-]|[.,]\d))"


def _dotted_local_phone(text: str, m: re.Match[str], out: _Out) -> None:
    """``555.0123``: a local number (an exchange starts with 2 to 9), unless a unit follows."""
    start, end = m.span()
    if text[start] in "01" or unit_follows(text, end):
        return
    category = C.FAX if _is_fax(text, start, end) else C.PHONE
    out.append(Detection(start, end, category, "fax.local" if category is C.FAX else "phone.local"))


def _local_phone_b(text: str, m: re.Match[str], out: _Out) -> None:
    """``555 0143``: a phone right after a phone word; otherwise two groups of digits."""
    before = len(out)
    _local_phone(text, m, out)
    if len(out) == before:
        groups_at(text, m.start(), m.start() + 3, out)  # what the identifier branch would have read


def _trunk_re(name: str) -> str:
    # A number dialled with a trunk 0 ("07 555 0193", "028 9055 0182", "020-7946-0958")
    return rf"(?P<{name}>(?<![\w+/.\-$]\d)(?<=0)\d{{1,3}}[ \-]\d{{3,4}}[ \-]\d{{4}}(?![\w\-]|[./,]\d))"


def _plain_phone(text: str, m: re.Match[str], out: _Out) -> None:
    """A number whose shape says it is a phone (a trunk 0, an extension after its ``x``)."""
    start, end = m.span()
    if m.lastgroup in ("ph_x", "ph_x4"):
        start -= 1  # the "x" of "x4-5521"
    category = C.FAX if _is_fax(text, start, end) else C.PHONE
    out.append(Detection(start, end, category, "fax" if category is C.FAX else "phone.shape"))


# An extension glued to its "x": "x4-5521", "x45521" (the number scan starts at the digit).
_X_BEFORE = r"(?:(?<=[^\w][xX]\d)|(?<=^[xX]\d))"
_PH_X = rf"(?P<ph_x>{_X_BEFORE}\d?-\d{{4}}(?![\w\-]|[./]\d))"
_PH_X4 = rf"(?P<ph_x4>{_X_BEFORE}\d{{3,4}}(?![\w\-]|[./]\d))"

# --- a short run of digit groups after a pager word -------------------------------------------

_GROUPS = r"\d+(?:(?:[ \t]{0,2}[\-/][ \t]{0,2}|\.(?=\d)|[ \t]{1,2}|\)[ \t]{0,2}[\-/.]?[ \t]{0,2})\(?\d+){0,5}"
# Read in the lower-cased text: the word, a filler ("#", ":", "is", "no."), then the groups.
_PAGER_KEYS = ("pg", "page", "beep", "bleep", "ext")  # found with str.find, then the word read there
_WORD_GROUPS = re.compile(
    r"(?:pager|pgr|pg|page|beeper|bleeper|bleep|extension|ext)\.?"
    r"(?:[ \t]*(?P<fill>#|:|no\.?|number|is|at)(?![a-z]))?[ \t#:.(]{0,3}(?P<num>" + _GROUPS + ")"
)
# "page Dr Ottilie (48213)", "paged Okafor at 31177": a pager number a few words after "page".
_PAGE_NAME = re.compile(
    r"(?<![a-z])(?:page|paged|paging)[ \t]+(?:[a-z][a-z.'\-]*[ \t]+){0,2}[a-z][a-z'\-]*"
    r"(?:[ \t]*\((?P<num>\d{4,5})\)|[ \t]+at[ \t]+(?P<num2>\d{4,5})(?![\w\-]|[./,]\d))"
)
_DIGIT_GROUP = re.compile(r"\d+")
_GROUP_END = re.compile(r"[\w\-]|[./,]\d")
_DATE_GROUPS = re.compile(r"\d\d?[/.\-]\d\d?(?:[/.\-]\d\d(?:\d\d)?)?|\d{4}[/.\-]\d\d?[/.\-]\d\d?")
_YEAR = re.compile(r"(?:19|20)\d\d")
_TIME = re.compile(r"(?:[01]\d|2[0-3])[0-5]\d")


def _groups_phone(text: str, probe: str, fill: str | None, start: int, end: int, out: _Out) -> None:
    """Judge the digit groups at ``text[start:end]`` after a pager word."""
    groups = list(_DIGIT_GROUP.finditer(probe, start, end))
    if len(groups) > 2 and groups[0].end() - groups[0].start() == 1 and probe[groups[0].end()] == " ":
        del groups[0]  # "call 2 555-0143": a count, then the number
        start = groups[0].start()
    # Keep the longest run of groups with at most twelve digits that ends where a number may end.
    while groups:
        digits = sum(g.end() - g.start() for g in groups)
        end = groups[-1].end()
        if digits <= 12 and not _GROUP_END.match(probe, end):
            break
        groups.pop()
    if not groups:
        return
    value = probe[start:end]
    if not 4 <= digits <= 12:
        return
    if _DATE_GROUPS.fullmatch(value) or all(_YEAR.fullmatch(g.group()) for g in groups):
        return  # "call 12/14", "work 2019-2021"
    if value[1:2] == ".":
        return  # "ph 7.40/40/80": a pH and a blood gas
    if fill == "at" and len(groups) == 1 and _TIME.fullmatch(value):
        return  # "page at 0300"
    if value[-1] == ")" or unit_follows(text, end):
        return
    if any(d.start <= start and end <= d.end for d in out):
        return  # the number scan found it already
    category = C.FAX if _is_fax(text, start, end) else C.PHONE
    out.append(Detection(start, end, category, "phone.after_word"))


def _after_pager_words(text: str, probe: str, out: _Out) -> None:
    """Pagers and extensions written as a short run of digit groups right after their word."""
    for key in _PAGER_KEYS:
        if key not in probe:  # "in" is cheaper than a find() call
            continue
        i = probe.find(key)
        while i >= 0:
            m = _WORD_GROUPS.match(probe, i) if i == 0 or not probe[i - 1].isalnum() else None
            i = probe.find(key, i + len(key))
            if m is not None:
                _groups_phone(text, probe, m.group("fill"), m.start("num"), m.end("num"), out)
    if "pag" in probe:
        for m in _PAGE_NAME.finditer(probe):
            group = "num" if m.group("num") else "num2"
            out.append(Detection(m.start(group), m.end(group), C.PHONE, "phone.pager"))

# A number dialled from abroad: "+353 91 555 0147", "+44 (0)20 7946 0958", "+63-2-8555-0190".
# Written to start at its "+", so the regex engine skips to it: the look-behind on the character
# before it follows it (the same as "(?<![\w+])\+").
_INTERNATIONAL = re.compile(r"\+(?<![\w+]\+)\d{1,3}(?:[ \t.\-]?(?:\(\d{1,4}\)|\d{1,5})){2,5}(?![\w\-]|[.,]\d)")


def _international(text: str, probe: str, out: _Out) -> None:
    for m in _INTERNATIONAL.finditer(text):
        if 8 <= sum(ch.isdigit() for ch in m.group()) <= 15 \
                and not any(d.start < m.end() and m.start() < d.end for d in out):  # "+1 555 ..." is read already
            category = C.FAX if _is_fax(text, m.start(), m.end()) else C.PHONE
            out.append(Detection(m.start(), m.end(), category, "phone.international"))


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
        Branch("ph7_b", _PH7_B, Follow.SPACE, 40, _local_phone_b, yields_to_prefix=True),
        Branch("ph7_d", _PH7_D, Follow.DOT, 40, _dotted_local_phone, yields_to_prefix=True),
        Branch("ph_b", _phone_re("ph_b"), Follow.SPACE, 20, _phone, yields_to_prefix=True),
        Branch("ph_c", _phone_re("ph_c"), Follow.OTHER, 20, _phone, yields_to_prefix=True),
        Branch("ph_sl", _phone_re("ph_sl"), Follow.SLASH, 20, _phone, yields_to_prefix=True),  # 570/555/0188
        Branch("ph_s", _phone_re("ph_s"), Follow.SHORT_SPACE, 20, _phone, yields_to_prefix=True),  # 570 - 555 - 0123
        Branch("ph_0", _trunk_re("ph_0"), Follow.SPACE, 25, _plain_phone, yields_to_prefix=True),
        Branch("ph_0h", _trunk_re("ph_0h"), Follow.HYPHEN, 25, _plain_phone, yields_to_prefix=True),
        Branch("ph_x", _PH_X, Follow.HYPHEN, 20, _plain_phone),
        Branch("ph_x4", _PH_X4, Follow.OTHER, 20, _plain_phone),
    ),
    triggers=(Trigger(_PAGER_KEYS, _after_pager_words), Trigger(("+",), _international)),
    field_keys={
        **dict.fromkeys(("phone", "telephone", "tel", "mobile", "cell", "home_phone", "work_phone", "phone_number",
                         "contact_number", "pager"), C.PHONE),
        **dict.fromkeys(("fax", "fax_number"), C.FAX),
    },
    surrogates={C.PHONE: "_phone", C.FAX: "_phone"},
)
