"""Parse dates as clinical notes write them and shift them without changing their format.

Surrogate dates move by one offset per patient (so intervals between dates stay true) and
must read exactly like the original: ``03/14/2023`` shifted by 10 days is ``03/24/2023``,
``Tue 3/14`` is ``Fri 3/24``, ``the 14th of March`` is ``the 24th of March`` and
``March 2023`` stays a month and a year. Everything :func:`privacy.deid.patterns.detect_patterns`
reports as a DATE parses here:

- numeric: ``03/14/2023``, ``3/14/23``, ``3-14-23``, ``14.03.2023``, ``2023-03-14``,
  ``3/14`` (no year), ``03/2023`` and ``3/92`` (month and year);
- with month names or abbreviations, in any case: ``March 14, 2023``, ``Mar. 14``,
  ``14 Mar 2023``, ``14-MAR-23``, ``14th of March``, ``March the 14th``, ``March 2023``,
  ``August of 2008``;
- an optional weekday in front: ``Tuesday, March 14, 2023``, ``Tue 3/14``;
- spoken forms: ``January tenth two thousand nine``, ``the twenty-first of May``.

Order of numeric dates: a four-digit first part is year-month-day; otherwise month first
(US usage) unless the first part cannot be a month, except dotted dates, which are day
first (``14.03.2023``). Two-digit years below 50 are 20xx, others 19xx.

Dates without a year are shifted inside the leap reference year :data:`REFERENCE_YEAR`
and written without a year; a weekday in front of them moves by the same number of days.
A month-and-year date is shifted from the middle of its month.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

__all__ = [
    "CARDINAL_DAY_PATTERN", "MONTH_NAMES", "MONTH_NUMBERS", "ORDINAL_DAY_PATTERN", "REFERENCE_YEAR",
    "SHORT_YEAR_PATTERN", "SPELLED_YEAR_PATTERN", "WEEKDAY_NAMES", "WEEKDAY_NUMBERS", "parse_date", "shift_date",
]

REFERENCE_YEAR = 2000  # a leap year, so 29 February without a year parses

MONTH_NAMES: tuple[str, ...] = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
WEEKDAY_NAMES: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Lower-case month names and abbreviations -> 1..12.
MONTH_NUMBERS: dict[str, int] = {}
for _i, _name in enumerate(MONTH_NAMES, 1):
    MONTH_NUMBERS[_name.lower()] = _i
    MONTH_NUMBERS[_name[:3].lower()] = _i
MONTH_NUMBERS["sept"] = 9

# Lower-case weekday names and abbreviations -> 0 (Monday) .. 6.
WEEKDAY_NUMBERS: dict[str, int] = {}
for _i, _name in enumerate(WEEKDAY_NAMES):
    WEEKDAY_NUMBERS[_name.lower()] = _i
    WEEKDAY_NUMBERS[_name[:3].lower()] = _i
WEEKDAY_NUMBERS.update({"tues": 1, "weds": 2, "thur": 3, "thurs": 3})
_WEEKDAY_ABBR4 = ("Mon", "Tues", "Wed", "Thurs", "Fri", "Sat", "Sun")  # for 4+ letter abbreviations

_UNITS = ("", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
          "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_ORD_UNITS = ("", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
              "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
              "eighteenth", "nineteenth")
_ORD_TENS = {20: "twentieth", 30: "thirtieth"}

# Spelled ordinal day -> number ("twenty-first", "twenty first" and "twentyfirst" all read).
ORDINAL_WORDS: dict[str, int] = {w: i for i, w in enumerate(_ORD_UNITS) if w}
ORDINAL_WORDS.update({"twentieth": 20, "thirtieth": 30})
for _tens, _tw in ((20, "twenty"), (30, "thirty")):
    for _u in range(1, 10 if _tens == 20 else 2):
        for _sep in ("-", " ", ""):
            ORDINAL_WORDS[f"{_tw}{_sep}{_ORD_UNITS[_u]}"] = _tens + _u

# A spoken ordinal day: "tenth", "twenty-first", "thirty first".
ORDINAL_DAY_PATTERN = (r"(?:(?:twenty|thirty)[- ]?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
                       r"|twentieth|thirtieth|" + "|".join(sorted((w for w in _ORD_UNITS if w), key=len, reverse=True))
                       + ")")
# Spelled numbers 0..99 as they appear in spoken years ("ninety-two", "oh eight", "ten").
_NUM99_RE = (r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|five"
             r"|six|seven|eight|nine))?|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen"
             r"|nineteen|one|two|three|four|five|six|seven|eight|nine)")
_UNIT_WORD_RE = r"(?:one|two|three|four|five|six|seven|eight|nine)"
SPELLED_YEAR_PATTERN = (
    r"(?:two[- ]thousand(?:(?:\s+and)?[\s-]+" + _NUM99_RE + r")?"
    r"|(?:nineteen|twenty)(?:\s+hundred(?:\s+and)?)?[\s-]+(?:oh[\s-]+)?" + _NUM99_RE + r")"
)
# A spoken two-digit year: "O eight", "oh nine", "ninety four".
SHORT_YEAR_PATTERN = (r"(?:(?:o|oh)[\s-]+" + _UNIT_WORD_RE + r"|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty"
                      r"|ninety)(?:[\s-]" + _UNIT_WORD_RE + r")?)")
# A spoken cardinal day: "nineteen", "twenty two", "thirty".
CARDINAL_DAY_PATTERN = (r"(?:(?:twenty|thirty)(?:[\s-]" + _UNIT_WORD_RE + r")?|ten|eleven|twelve|thirteen|fourteen"
                        r"|fifteen|sixteen|seventeen|eighteen|nineteen|" + _UNIT_WORD_RE + r")")


def _words_0_99(n: int, sep: str) -> str:
    if n < 20:
        return _UNITS[n]
    tens, units = divmod(n, 10)
    return _TENS[tens] + (sep + _UNITS[units] if units else "")


def _words_to_number(text: str) -> int | None:
    """A spelled number 0..99 (``ninety-two``, ``oh eight``) -> int."""
    total = 0
    for word in re.split(r"[\s-]+", text.lower().strip()):
        if not word or word in ("o", "oh", "and", "zero"):
            continue
        if word in _UNITS:
            total += _UNITS.index(word)
        elif word in _TENS:
            total += 10 * _TENS.index(word)
        else:
            return None
    return total


def _spelled_year_value(text: str) -> int | None:
    low = re.sub(r"[\s-]+", " ", text.lower()).strip()
    if low.startswith("two thousand"):
        rest = low[len("two thousand"):].replace(" and ", " ").strip()
        rest = rest.removeprefix("and ")
        n = _words_to_number(rest) if rest else 0
        return None if n is None else 2000 + n
    m = re.match(r"(nineteen|twenty)(?: hundred)?(?: and)? (.+)$", low)
    if not m:
        return None
    n = _words_to_number(m.group(2))
    if n is None:
        return None
    return (1900 if m.group(1) == "nineteen" else 2000) + n


def _spell_year(year: int, original: str) -> str:
    """``year`` spelled in the style of ``original`` (``two thousand nine``, ``nineteen ninety-two``)."""
    low = original.lower()
    sep = "-" if re.search(r"(?:ty)-(?:one|two|three|four|five|six|seven|eight|nine)\b", low) else " "
    if low.startswith("two") and 2000 <= year <= 2099:
        rest = year - 2000
        joiner = " and " if " and " in low else " "
        text = "two thousand" + (joiner + _words_0_99(rest, sep) if rest else "")
    else:
        century = {19: "nineteen", 20: "twenty"}.get(year // 100)
        if century is None:
            return str(year)
        yy = year % 100
        if yy == 0:
            text = century + " hundred"
        elif yy < 10:
            text = f"{century} oh {_UNITS[yy]}"
        else:
            text = f"{century} {_words_0_99(yy, sep)}"
    return _apply_case(text, original)


def _spell_ordinal(day: int, original: str) -> str:
    if day < 20:
        text = _ORD_UNITS[day]
    elif day % 10 == 0:
        text = _ORD_TENS[day]
    else:
        sep = "-" if "-" in original else (" " if " " in original else ("" if original.lower().startswith(
            ("twenty", "thirty")) else "-"))
        text = _TENS[day // 10] + sep + _ORD_UNITS[day % 10]
    return _apply_case(text, original)


def _ordinal_suffix(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def _apply_case(new: str, original: str) -> str:
    letters = [c for c in original if c.isalpha()]
    if not letters:
        return new
    if all(c.isupper() for c in letters) and len(letters) > 1:
        return new.upper()
    if all(c.islower() for c in letters):
        return new.lower()
    if letters[0].isupper():
        return new[:1].upper() + new[1:].lower()
    return new


def _two_digit_century(yy: int) -> int:
    return 2000 + yy if yy < 50 else 1900 + yy


# --- parsed form ------------------------------------------------------------------------

@dataclass(slots=True)
class _Field:
    """One variable part of a written date and how it is written."""

    # wd, mon_name, mon_num, day_num, suffix ("th"), day_word ("tenth"), day_card ("nineteen"),
    # year4, year2, year_word ("two thousand nine"), year_short_word ("O eight")
    kind: str
    text: str


@dataclass(slots=True)
class _Parsed:
    parts: list[str | _Field]
    year: int | None
    month: int
    day: int | None
    weekday: int | None  # as written (0 = Monday), if any


_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in_month(year: int, month: int) -> int:
    if month == 2 and calendar.isleap(year):
        return 29
    return _MONTH_DAYS[month]


def _valid(year: int, month: int, day: int) -> bool:
    return 1 <= year <= 9999 and 1 <= month <= 12 and 1 <= day <= _days_in_month(year, month)


_WD_PREFIX = re.compile(r"(?P<wd>[A-Za-z]{3,9})(?P<sep>\.?,?\s+)")
_NUMERIC = re.compile(
    r"(?P<iy>\d{4})(?P<is>[-/.])(?P<im>\d{1,2})(?P=is)(?P<id>\d{1,2})"
    r"|(?P<a>\d{1,2})(?P<s>[-/.])(?P<b>\d{1,2})(?:(?P=s)(?P<y>\d{4}|\d{2}))?"
    r"|(?P<mm>\d{1,2})(?P<ms>[-/])(?P<yyyy>\d{4})"
)
_NAMED_TOKEN = re.compile(
    r"(?P<sord>" + ORDINAL_DAY_PATTERN + r")(?![a-z])"
    # "twenty eight of two thousand seven": the first number is the day, not a year
    r"|(?P<syear>" + SPELLED_YEAR_PATTERN + r")(?![a-z])(?![\s,]+(?:of\s+)?(?:two[\s-]+thousand|nineteen|twenty|\d))"
    r"|(?P<snum>(?:o|oh)[\s-]+" + _UNIT_WORD_RE + r"|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
    r"(?:[\s-]" + _UNIT_WORD_RE + r"(?![\s-]+thousand))?|" + _NUM99_RE + r")(?![a-z])"
    r"|(?P<num>\d+)(?P<suf>st|nd|rd|th)?(?![a-z0-9])"
    r"|(?P<apos>['’]\d{2})(?!\d)"
    r"|(?P<word>[a-z]+)"
    r"|(?P<sep>[\s,.\-/]+)",
    re.IGNORECASE,
)
_FILLERS = frozenset({"of", "the", "in"})


def _parse_numeric(m: re.Match[str]) -> _Parsed | None:
    """The date of a full match of :data:`_NUMERIC`, or None when it is not a valid one."""
    if m.group("iy"):
        year, month, day = int(m.group("iy")), int(m.group("im")), int(m.group("id"))
        if not _valid(year, month, day):
            return None
        sep = m.group("is")
        return _Parsed([_Field("year4", m.group("iy")), sep, _Field("mon_num", m.group("im")), sep,
                        _Field("day_num", m.group("id"))], year, month, day, None)
    if m.group("mm"):
        month, year = int(m.group("mm")), int(m.group("yyyy"))
        if not (1 <= month <= 12 and 1 <= year <= 9999):
            return None
        return _Parsed([_Field("mon_num", m.group("mm")), m.group("ms"), _Field("year4", m.group("yyyy"))],
                       year, month, None, None)
    a_text, b_text, sep, y_text = m.group("a"), m.group("b"), m.group("s"), m.group("y")
    a, b = int(a_text), int(b_text)
    if y_text is None:
        if sep != "/":
            return None
        if _valid(REFERENCE_YEAR, a, b):
            return _Parsed([_Field("mon_num", a_text), sep, _Field("day_num", b_text)], None, a, b, None)
        if len(b_text) == 2 and 1 <= a <= 12 and b > 31:  # 9/93: a month and a year
            return _Parsed([_Field("mon_num", a_text), sep, _Field("year2", b_text)],
                           _two_digit_century(b), a, None, None)
        if _valid(REFERENCE_YEAR, b, a):
            return _Parsed([_Field("day_num", a_text), sep, _Field("mon_num", b_text)], None, b, a, None)
        return None
    year = int(y_text) if len(y_text) == 4 else _two_digit_century(int(y_text))
    year_field = _Field("year4" if len(y_text) == 4 else "year2", y_text)
    day_first = sep == "." or a > 12
    if day_first and not _valid(year, b, a):
        day_first = False
    if not day_first and not _valid(year, a, b):
        if _valid(year, b, a):
            day_first = True
        else:
            return None
    if day_first:
        parts: list[str | _Field] = [_Field("day_num", a_text), sep, _Field("mon_num", b_text), sep, year_field]
        return _Parsed(parts, year, b, a, None)
    return _Parsed([_Field("mon_num", a_text), sep, _Field("day_num", b_text), sep, year_field], year, a, b, None)


def _parse_named(body: str) -> _Parsed | None:
    """The date of a written-out ``body`` (month names, spelled numbers), or None.

    Each token is dispatched on ``m.lastgroup``: the alternatives of :data:`_NAMED_TOKEN` are
    its top-level groups and hold no group of their own, so exactly one of them matched and it
    is the last group, except that a number with an ordinal suffix reports ``suf``."""
    parts: list[str | _Field] = []
    month = day = year = None
    pos = 0
    for m in _NAMED_TOKEN.finditer(body):
        if m.start() != pos:
            return None
        pos = m.end()
        text = m.group(0)
        kind = m.lastgroup
        if kind == "sep":
            parts.append(text)
        elif kind == "word":
            low = text.lower()
            if low in MONTH_NUMBERS and month is None:
                month = MONTH_NUMBERS[low]
                parts.append(_Field("mon_name", text))
            elif low in _FILLERS:
                parts.append(text)
            else:
                return None
        elif kind == "num" or kind == "suf":
            digits = m.group("num")
            suffix = m.group("suf") if kind == "suf" else None  # "suf" is last exactly when it matched
            if len(digits) == 4 and year is None and suffix is None:
                year = int(digits)
                parts.append(_Field("year4", digits))
            elif len(digits) <= 2 and day is None and (suffix or int(digits) <= 31):
                day = int(digits)
                parts.append(_Field("day_num", digits))
                if suffix:
                    parts.append(_Field("suffix", suffix))
            elif len(digits) == 2 and year is None and day is not None and month is not None:
                year = _two_digit_century(int(digits))
                parts.append(_Field("year2", digits))
            else:
                return None
        elif kind == "sord":
            if day is not None:
                return None
            day = ORDINAL_WORDS.get(re.sub(r"\s+", " ", text.lower()))
            if day is None:
                return None
            parts.append(_Field("day_word", text))
        elif kind == "syear":
            if year is not None:
                return None
            year = _spelled_year_value(text)
            if year is None:
                return None
            parts.append(_Field("year_word", text))
        elif kind == "snum":
            low = text.lower()
            value = _words_to_number(low)
            if value is None:
                return None
            after_of = bool(parts) and isinstance(parts[-1], str) and \
                len(parts) >= 2 and isinstance(parts[-2], str) and parts[-2].lower() == "of"
            if not low.startswith("o") and day is None and 1 <= value <= 31 and not after_of:
                day = value
                parts.append(_Field("day_card", text))
            elif year is None:
                year = _two_digit_century(value)
                parts.append(_Field("year_short_word", text))
            else:
                return None
        else:  # "apos"
            if year is not None:
                return None
            year = _two_digit_century(int(text[1:]))
            parts.append(text[0])
            parts.append(_Field("year2", text[1:]))
    if pos != len(body) or month is None or (day is None and year is None):
        return None
    if year is not None and not 1 <= year <= 9999:
        return None
    if day is not None and not _valid(year if year is not None else REFERENCE_YEAR, month, day):
        return None
    return _Parsed(parts, year, month, day, None)


def _parse(text: str) -> _Parsed | None:
    text = text.strip()
    if not text:
        return None
    prefix: list[str | _Field] = []
    weekday = None
    m = _WD_PREFIX.match(text)
    if m and m.group("wd").lower() in WEEKDAY_NUMBERS:
        weekday = WEEKDAY_NUMBERS[m.group("wd").lower()]
        prefix = [_Field("wd", m.group("wd")), m.group("sep")]
        body = text[m.end():]
    else:
        body = text
    numeric = _NUMERIC.fullmatch(body) if body[:1].isdigit() else None
    parsed = _parse_numeric(numeric) if numeric is not None else _parse_named(body)
    if parsed is None:
        return None
    parsed.parts[:0] = prefix
    parsed.weekday = weekday
    return parsed


def parse_date(text: str) -> date | None:
    """The date that ``text`` writes, or None when it is not a date this module reads.

    A date without a year falls in :data:`REFERENCE_YEAR`; a month and year alone gives
    the 15th of that month.
    """
    parsed = _parse(text)
    if parsed is None:
        return None
    year = parsed.year if parsed.year is not None else REFERENCE_YEAR
    return date(year, parsed.month, parsed.day if parsed.day is not None else 15)


def _width(original: str, value: int, pad_default: bool) -> str:
    if len(original) == 2 and original.startswith("0"):
        return f"{value:02d}"
    if len(original) == 1:
        return str(value)
    return f"{value:02d}" if pad_default else str(value)


def _render(parsed: _Parsed, new: date, weekday: int | None) -> str:
    # Zero-padding of a two-digit value (11/15/2023) follows the other part, or the format:
    # padded when a numeric month or day is written "0x", or when none is written with one
    # digit and the date has a numeric month and a four-digit year. One pass over the parts.
    pad = unpadded = has_mon_num = has_year4 = False
    for part in parsed.parts:
        if isinstance(part, str):
            continue
        kind = part.kind
        if kind == "mon_num" or kind == "day_num":
            width = len(part.text)
            if width == 1:
                unpadded = True
            elif width == 2 and part.text[0] == "0":
                pad = True
            if kind == "mon_num":
                has_mon_num = True
        elif kind == "year4":
            has_year4 = True
    pad_default = pad or (not unpadded and has_year4 and has_mon_num)
    out: list[str] = []
    for part in parsed.parts:
        if isinstance(part, str):
            out.append(part)
            continue
        kind, text = part.kind, part.text
        # The commonest kinds first (each part has exactly one kind, so the order is free).
        if kind == "mon_num":
            out.append(_width(text, new.month, pad_default))
        elif kind == "day_num":
            out.append(_width(text, new.day, pad_default))
        elif kind == "year4":
            out.append(f"{new.year:04d}")
        elif kind == "wd":
            if weekday is None:
                out.append(text)
                continue
            full = WEEKDAY_NAMES[weekday]
            if len(text) >= len(WEEKDAY_NAMES[WEEKDAY_NUMBERS[text.lower()]]):
                word = full
            elif len(text) == 3:
                word = full[:3]
            else:
                word = _WEEKDAY_ABBR4[weekday]
            out.append(_apply_case(word, text))
        elif kind == "mon_name":
            full = MONTH_NAMES[new.month - 1]
            old_full = MONTH_NAMES[MONTH_NUMBERS[text.lower()] - 1]
            if text.lower() == old_full.lower():  # a full name ("May" counts as one)
                word = full
            elif text.lower() == "sept" and new.month == 9:
                word = "Sept"
            else:
                word = full[:3]
            out.append(_apply_case(word, text))
        elif kind == "suffix":
            out.append(_apply_case(_ordinal_suffix(new.day), text))
        elif kind == "day_word":
            out.append(_spell_ordinal(new.day, text))
        elif kind == "year2":
            out.append(f"{new.year % 100:02d}")
        elif kind == "year_word":
            out.append(_spell_year(new.year, text))
        elif kind == "day_card":
            sep = "-" if "-" in text else " "
            out.append(_apply_case(_words_0_99(new.day, sep), text))
        elif kind == "year_short_word":
            yy = new.year % 100
            sep = "-" if "-" in text else " "
            if yy < 10:
                lead = re.match(r"(?i)oh?", text)
                word = (lead.group(0) if lead else "oh") + sep + (_UNITS[yy] if yy else "zero")
                out.append(word if lead else _apply_case(word, text))
            else:
                out.append(_apply_case(_words_0_99(yy, sep), text))
    return "".join(out)


def _plus_days(day: date, days: int) -> date:
    """``day + timedelta(days=days)`` by day ordinals, without building a timedelta each time.

    Out of range (before 1 January 1 or after 31 December 9999) it raises ValueError where the
    sum raises OverflowError; the callers catch both."""
    return date.fromordinal(day.toordinal() + days)


def _shift_iso(text: str, days: int) -> str | None:
    """``shift_date`` of an ISO date ``YYYY-MM-DD`` of ASCII digits (most dates of structured
    fields), without the general parse; None to leave ``text`` to the general path.

    Exact: such a text has no blanks and no weekday, fully matches :data:`_NUMERIC`'s first
    branch and parses to year4, mon_num and day_num fields of two digits with a numeric month
    and a four-digit year, so ``_render`` pads both to two digits: the output is ``isoformat()``.
    An invalid date or one shifted out of range goes the general way (which gives None then).
    """
    year, month, day = text[:4], text[5:7], text[8:]
    if not (year.isdigit() and month.isdigit() and day.isdigit() and text.isascii()):
        return None
    try:
        return _plus_days(date(int(year), int(month), int(day)), days).isoformat()
    except (OverflowError, ValueError):
        return None


def shift_date(text: str, days: int) -> str | None:
    """``text`` (a date in any format :func:`parse_date` reads) moved by ``days`` days and
    written in exactly the same format; None when ``text`` is not such a date."""
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        iso = _shift_iso(text, days)
        if iso is not None:
            return iso
    parsed = _parse(text)
    if parsed is None:
        return None
    lead = len(text) - len(text.lstrip())
    trail = len(text) - len(text.rstrip())
    try:
        if parsed.day is None:  # month and year: shift the middle of the month
            new = _plus_days(date(parsed.year or REFERENCE_YEAR, parsed.month, 15), days)
            weekday = None
        elif parsed.year is None:  # no year: shift inside the reference year
            new = _plus_days(date(REFERENCE_YEAR, parsed.month, parsed.day), days)
            weekday = None if parsed.weekday is None else (parsed.weekday + days) % 7
        else:
            new = _plus_days(date(parsed.year, parsed.month, parsed.day), days)
            weekday = new.weekday()
    except (OverflowError, ValueError):  # shifted past year 1 or 9999
        return None
    return text[:lead] + _render(parsed, new, weekday) + (text[len(text) - trail:] if trail else "")
