"""Dates: every common format, as long as it names more than a year.

Numeric dates (``03/14/2023``, ``3/14/23``, ``14.03.2023``, ``2023-03-14``, ``3/14``,
``03/2023``) are branches of the number scan; dates with month names (``March 14, 2023``,
``14-MAR-23``, ``the tenth of January``) are found from the month name. A weekday written
just before a date joins it (``Tue 3/14``).

A bare ``m/d`` needs more than its shape: ``120/80``, ``1/2 tab``, ``7/10 pain`` and
``5/5 strength`` are not dates (but ``cabg x3 3/14`` and ``delivery 9/19 of a liveborn`` are).
A hyphenated ``m-d`` is a date only after a weekday or a date word (``Thurs 12-19``,
``dated 12-19.``), and a day alone only as ``the 11th`` after a word that asks for a date
(``on the 11th``, ``FOR THE 11TH``; not ``on the 2nd floor``); a ``the`` before a day that
opens a date joins it (``the 2nd of June``). Month names are found with ``str.find`` on their
first three letters in the lower-cased text; the date regex is then tried only at the few
word starts just before each one. ``may``, ``mar`` and ``march`` in lower case are verbs unless
a year follows them or a day is written before them (``may 2016``, ``12-mar``, ``the 2nd of
may``). Everything reported here parses with :func:`privacy.deid.dates.parse_date`, so the
surrogate shifts it keeping its format, except a day alone (``the 11th``) and a hyphenated
``m-d``, which the parser does not read yet: they get the character surrogate.
"""

from __future__ import annotations

import re

from privacy.deid.dates import (
    CARDINAL_DAY_PATTERN,
    MONTH_NUMBERS,
    ORDINAL_DAY_PATTERN,
    SHORT_YEAR_PATTERN,
    SPELLED_YEAR_PATTERN,
    WEEKDAY_NUMBERS,
)
from privacy.deid.recognizers.base import Branch, Detection, Follow, Recognizer, Trigger
from privacy.deid.recognizers.ids import groups_at
from privacy.deid.recognizers.text import rev_words, reversed_before, unit_follows
from privacy.phi import PhiCategory as C

__all__ = ["RECOGNIZER"]

_Out = list[Detection]

_MONTH = (r"(?:january|february|march|april|may|june|july|august|september|october|november|december"
          r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)(?![a-z])")
_WEEKDAY = (r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday"
            r"|mon|tues|tue|weds|wed|thurs|thur|thu|fri|sat|sun)(?![a-z])")
_YEAR4 = r"(?:1[89]\d\d|20\d\d)"
_ORD = r"(?:st|nd|rd|th)"
_SPOKEN_YEAR = r"(?:" + SPELLED_YEAR_PATTERN + r"|" + _YEAR4 + r"|" + SHORT_YEAR_PATTERN + r")"

_DATE_END = r"(?![\w/]|[.,:]\d|-\d+/)"


def _iso_re(name: str, sep: str) -> str:
    # ISO dates, also as the date of a timestamp (2023-03-14T10:00)
    return (rf"(?P<{name}>(?<![\w/.:+\-]\d)(?:(?<=1)[89]|(?<=2)0)\d\d{sep}\d\d?{sep}\d\d?"
            r"(?!(?!T\d)[\w/]|[.,:]\d|-\d+/))")


def _dmy_re(name: str, sep: str) -> str:
    return rf"(?P<{name}>(?<![\w/.:+\-]\d)\d?{sep}\d\d?{sep}(?:\d{{4}}|\d\d){_DATE_END})"


def _my_re(name: str, sep: str) -> str:
    return rf"(?P<{name}>(?<![\w/.:+\-]\d)\d?{sep}(?:1[89]|20)\d\d{_DATE_END})"


_SCORE_WORDS = (
    "pain", "hurt", "hurts", "rate", "rated", "rating", "rates", "scale", "severity", "intensity", "score", "level",
    "ache", "discomfort", "strength", "power", "motor", "reflex", "reflexes", "dtr", "dtrs", "murmur", "grade", "gcs",
    "apgar", "vision", "acuity", "bp", "b/p", "blood pressure", "ratio", "x", "out of", "take", "takes", "taking",
    "took", "approximately", "approx", "about", "around", "only", "over", "under", "than", "nearly", "almost", "ate",
    "eats", "eaten", "drank", "finished", "dose", "give", "given", "gave", "sig", "dispense", "one", "two", "three",
    "stage", "class", "nyha", "asa", "gleason", "timi", "curb-65", "curb", "wells", "sirs", "hiv", "mmse", "moca",
    "phq-9", "gad-7", "gcs", "nihss", "chads", "cha2ds2-vasc", "has-bled", "meld", "child-pugh", "ranson",
)
_SCORE_FILLERS = ("is", "was", "of", "at", "as", "about", "around", "approximately", "approx", "now", "currently",
                  "today", "still", "like", "a", "an", "the")
_SCORE_BEFORE_REV = re.compile(
    r"[\s:=,(\-]*(?:(?:" + rev_words(_SCORE_FILLERS) + r"|\d+(?:-\d+)?)(?![a-z0-9])\W+)*"
    + rev_words(_SCORE_WORDS) + r"(?![a-z])"
)
_SCORE_AFTER = re.compile(
    r"\s*(?:pain|on\s+the|in\s+(?:severity|intensity|strength)|severity|intensity|scale|strength|power|murmur"
    r"|systolic|diastolic|holosystolic|bilateral(?:ly)?|throughout|symmetric|in\s+all|in\s+the\s+(?:upper|lower)"
    r"|reflex(?:es)?|nodes?|lymph|positive|negative|vision|of\b|the\b|way|dilution|split|ns\b|blood|bottles?|sets?"
    r"|cultures?|quadrants?|criteria|ab\b|antibod|samples?|specimens?|views?|cores?|biops|vessels?|fingers?|toes?"
    r"|points?|items?|sirs|patients?|people|subjects?|cases?)",
    re.IGNORECASE,
)
_RANGE_REV = re.compile(r"-\d\d?/\d\d?(?![\d/.])")
_DIGIT_BEFORE_REV = re.compile(r"(?:[\s\-]|\s+dna\s+)\d(?![\d,.a-z])|\+")  # "1 1/2", "1 and 1/2", not "x3 3/14"
_PAIN_NEAR = re.compile(r"pain|hurt|ache|scale|severity|intensity|rate|rating|score|level|discomfort|\d/10\b",
                        re.IGNORECASE)
_DATE_CUE_REV = re.compile(
    r"\W*" + rev_words(("on", "since", "date", "dated", "seen", "visit", "appt", "appointment", "dx", "diagnosed",
                        "from", "until", "till", "til", "before", "after", "by", "due", "admitted", "discharged",
                        "of", "surgery", "started", "began", "onset", "at", "arrived", "presented", "returned",
                        "called")) + r"(?![a-z])"
)
_OF_A_AFTER = re.compile(r"\s+of\s+an?\s", re.IGNORECASE)
_COMPLAINT_AFTER = re.compile(r"\s+(?:c/o|complain)", re.IGNORECASE)
_WEEKDAY_REV = re.compile(
    r"\s+,?\.?" + rev_words(tuple(WEEKDAY_NUMBERS)) + r"(?![a-z])"
)


# Totals of clinical scales written "x/15" (GCS), "x/30" (MMSE, MoCA), "x/20" (vision), "x/24", "x/25", "x/28".
_SCALE_TOTALS = frozenset((15, 20, 24, 25, 28, 30))
# "3/1 in am", "3/1 IN THE MORNING": "in" is a preposition there, not inches.
_IN_THE_DAY = re.compile(r"[ \t]+in[ \t]+(?:am|pm|a\.m\.|p\.m\.|the[ \t]+(?:morning|evening|afternoon|night)"
                         r"|morning|evening|afternoon|clinic|er|ed|office)\b", re.IGNORECASE)


def _days_in(month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]


_ON_IN_AFTER = re.compile(r"[ \t]+(?:on|in)[ \t]", re.IGNORECASE)


def _bare_md_ok(text: str, start: int, end: int, a: int, b: int) -> bool:
    """Context test for a bare ``m/d`` (or ``m/yy``): not a score, fraction or quantity."""
    rev = reversed_before(text, start, 40)
    if rev[:1] == "-":  # "3/14-3/16" is a range of dates, "4-5/10" a score
        return _RANGE_REV.match(rev) is not None
    if _DIGIT_BEFORE_REV.match(rev):
        return False
    if _SCORE_BEFORE_REV.match(rev) and not (b > 12 and b not in _SCALE_TOTALS):
        return False  # "given 1/2 tab", "GCS 3/15"; but "given 10/21" has no fraction or scale to be
    if _SCORE_AFTER.match(text, end) is not None or unit_follows(text, end) and not _IN_THE_DAY.match(text, end):
        # "1/2 of a tab" is a fraction; "delivery 9/19 of a liveborn" a date: no fraction has 19ths,
        # and no score is out of 19 ("MVC 1/19 ON THE HIGHWAY", "CRASH 9/14 IN SAUGUS")
        if not (b > 12 and (_OF_A_AFTER.match(text, end) or b not in _SCALE_TOTALS and _ON_IN_AFTER.match(text, end))):
            return False
    if b == 10 and a <= 10 and _COMPLAINT_AFTER.match(text, end):
        return True  # "arrived 10/10 c/o chest pain": a score is never followed by the complaint
    if b == 10 and a <= 10:  # "x/10" near pain words is a pain score unless a date word leads it
        window = text[max(0, start - 60):start] + " " + text[end:end + 40]
        if _PAIN_NEAR.search(window) and not _DATE_CUE_REV.match(rev):
            return False
    return True


_WEEKDAY_TAILS = frozenset({"day", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "ues", "eds", "hur", "urs"})


def _with_weekday(text: str, start: int) -> int:
    """``start`` moved back over a weekday written just before it ("Tue 3/14")."""
    if start < 4 or text[start - 1] not in " \t,":
        return start
    j = start - 1
    while j > 0 and text[j - 1] in " \t,.":
        j -= 1
    if text[max(0, j - 3):j].lower() not in _WEEKDAY_TAILS:
        return start
    m = _WEEKDAY_REV.match(reversed_before(text, start, 12))
    return start - m.end() if m else start


_DATE_KIND = {"iso": "iso", "iso_s": "iso", "iso_d": "iso", "my": "my", "my_h": "my", "dmy": "dmy", "dmy_d": "dmy",
              "dmy_h": "dmy", "md": "md"}


def _numeric_date(text: str, m: re.Match[str], out: _Out) -> None:
    start, end = m.span()
    value = m.group(0)
    kind = _DATE_KIND[m.lastgroup or ""]
    if kind == "iso":
        parts = value.split(value[4])
        if not _days_in(int(parts[1]), int(parts[2])):
            return
        rule = "date.iso"
    elif kind == "my":
        sep = "/" if "/" in value else "-"
        month_text = value.split(sep)[0]
        if not 1 <= int(month_text) <= 12 or (sep == "-" and len(month_text) < 2):
            return
        rule = "date.month_year"
    elif kind == "dmy":
        sep = "/" if "/" in value else ("." if "." in value else "-")
        a_text, b_text, y_text = value.split(sep)
        a, b = int(a_text), int(b_text)
        if not (_days_in(a, b) or _days_in(b, a)):
            return
        if sep == "." and len(y_text) == 2 and not (len(a_text) == 2 and len(b_text) == 2):
            return  # 1.2.23 reads as a version or a list of numbers
        rule = "date.dmy" if sep == "." or a > 12 else "date.mdy"
    else:
        a_text, b_text = value.split("/")
        a, b = int(a_text), int(b_text)
        if _days_in(a, b):
            rule = "date.md"
        elif 1 <= a <= 12 and len(b_text) == 2 and b > 31:
            rule = "date.month_year"  # 9/93
        else:
            return
        if not _bare_md_ok(text, start, end, a, b):
            return
    out.append(Detection(_with_weekday(text, start), end, C.DATE, rule))


# Dates with month names, tried only at word starts just before a month name.
_DATE_NAME = re.compile(
    r"(?<![\w'])(?:(?P<wd>" + _WEEKDAY + r")\.?,?\s+)?(?:"
    # March 14, 2023 / Mar. 14 / March 14th / March the 14th / Mar-14-2023 / March 14 '23
    r"(?P<m1>" + _MONTH + r")\.?(?:\s+the\s+|\s+|-)(?P<d1>\d\d?)(?:" + _ORD + r")?(?!\d|[.,:]\d|[a-z%])"
    r"(?:(?:,\s*|\s+|-)(?P<y1>" + _YEAR4 + r"|['’]\d\d)(?![\w/]|[.,]\d))?"
    # 14 Mar 2023 / 14th of March / 14-MAR-23
    r"|(?P<d2>\d\d?)(?:" + _ORD + r")?(?:\s+of\s+|\s+|-)(?P<m2>" + _MONTH + r")"
    r"(?:\.?(?:,?\s+|-)(?P<y2>" + _YEAR4 + r"|(?<=-)\d\d|['’]\d\d)(?![\w/]|[.,]\d))?"
    # March 2023 / March of 2023
    r"|(?P<m3>" + _MONTH + r")\.?,?\s+(?:of\s+)?(?P<y3>" + _YEAR4 + r")(?![\w/]|[.,]\d)"
    # spoken: January tenth (two thousand nine) / the tenth of January / August of two thousand eight
    r"|(?P<m4>" + _MONTH + r")\s+(?:the\s+)?(?P<d4>" + ORDINAL_DAY_PATTERN + r")(?![a-z])"
    r"(?:,?\s+(?:of\s+|in\s+)?(?P<y4>" + _SPOKEN_YEAR + r")(?![a-z\d]))?"
    r"|(?P<d5>" + ORDINAL_DAY_PATTERN + r")(?:\s+of\s+|\s+)(?P<m5>" + _MONTH + r")"
    r"(?:,?\s+(?:of\s+|in\s+)?(?P<y5>" + _SPOKEN_YEAR + r")(?![a-z\d]))?"
    r"|(?P<m7>" + _MONTH + r")\s+(?P<d7>" + CARDINAL_DAY_PATTERN + r"),?\s+(?:of\s+)?"
    r"(?P<y7>" + SPELLED_YEAR_PATTERN + r"|" + _YEAR4 + r")(?![a-z\d])"
    r"|(?P<m6>" + _MONTH + r"),?\s+(?:of\s+)?(?P<y6>" + SPELLED_YEAR_PATTERN + r"|(?:o|oh)[\s-]+[a-z]+)(?![a-z])"
    r"|(?P<m8>" + _MONTH + r")\s+of\s+(?P<y8>" + SHORT_YEAR_PATTERN + r")(?![a-z])"
    r")",
    re.IGNORECASE,
)
# Month names: their three-letter starts are found with str.find in the lower-cased text,
# then checked here.
_MONTH_PREFIXES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_AT = re.compile(_MONTH)
# Words that may stand before a month name inside a date ("Tuesday, 14th of March").
_DATE_PREFIX_WORDS = frozenset(WEEKDAY_NUMBERS) | frozenset(re.findall(r"[a-z]+", ORDINAL_DAY_PATTERN)) | {
    "the", "of", "twenty", "thirty"}


# The same prefixes, those starting with "j" apart: "j" is rare in English, and a text without it
# holds none of the three, which one search for a single character (much faster than a search
# for a word) tells. ("" is in every text.)
_MONTH_PREFIX_GROUPS = (("j", ("jan", "jun", "jul")),
                        ("", tuple(p for p in _MONTH_PREFIXES if not p.startswith("j"))))


def _month_positions(low: str) -> list[int]:
    """Where a month name starts in ``low`` (a lower-cased text) at a word start, in order."""
    hits = []
    for letter, prefixes in _MONTH_PREFIX_GROUPS:
        if letter not in low:
            continue
        for prefix in prefixes:
            if prefix not in low:  # "in" is cheaper than a find() call, and most texts hold no month
                continue
            i = low.find(prefix)
            while i >= 0:
                if (i == 0 or not low[i - 1].isalpha()) and _MONTH_AT.match(low, i):
                    hits.append(i)
                i = low.find(prefix, i + 3)
    if len(hits) > 1:
        hits.sort()
    return hits


def _named_date(text: str, m: re.Match[str], month: str) -> Detection | None:
    """Check a match of :data:`_DATE_NAME` whose month name (lower case) is ``month``."""
    d1 = m.group("d1")
    if d1:
        if not _days_in(MONTH_NUMBERS[month], int(d1)):
            return None
        if not m.group("y1") and unit_follows(text, m.end("d1")):
            return None
        rule = "date.month_day"
    elif m.group("d2"):
        if not _days_in(MONTH_NUMBERS[month], int(m.group("d2"))):
            return None
        rule = "date.day_month"
    elif m.group("y3") or m.group("y6") or m.group("y8"):
        rule = "date.month_year"
    else:
        rule = "date.spoken"
    return Detection(m.start(), m.end(), C.DATE, rule)


def _date_prefix_starts(low: str, pos: int) -> list[int]:
    """Starts of the words just before ``pos`` that may open a date holding the month name
    at ``pos`` (a day number, a weekday, a spelled ordinal, "the", "of"), earliest first."""
    starts: list[int] = []
    end = pos
    for _ in range(4):
        j = end
        while j > 0 and low[j - 1] in " ,.-\t":
            j -= 1
        if j == end or j == 0:
            break
        k = j
        while k > 0 and low[k - 1].isalnum():
            k -= 1
        word = low[k:j]
        if not (word[:1].isdigit() or word in _DATE_PREFIX_WORDS):
            break
        starts.append(k)
        end = k
    starts.reverse()
    return starts


# "may" and "march" (and "mar") written in lower case are verbs, unless a year follows or a day
# is written before them with "of", an ordinal or a hyphen ("may 2016", "the 2nd of may", "12-mar").
_VERB_MONTHS = frozenset({"may", "mar", "march"})
_YEAR_GROUPS = ("y1", "y2", "y3", "y4", "y5", "y6", "y7", "y8")
_DAY_FIRST = re.compile(r"\d\d?(?:st|nd|rd|th|\s+of\s+|-)|[a-z]", re.IGNORECASE)
_THE_BEFORE = re.compile(r"(?<![\w'])the\s+\Z", re.IGNORECASE)


_TIME_AFTER = re.compile(r"[ \t]+(?:@[ \t]*)?(?:(?:[01]\d|2[0-3])[0-5]\d|\d\d?:\d\d)(?![\w:])")


def _verb_month_ok(m: re.Match[str]) -> bool:
    """Whether a lower-case "may", "mar" or "march" is a month here: a year follows, a day is
    written before it, or a day and then a clock time follow ("addendum mar 3 2340")."""
    if any(m.group(g) for g in _YEAR_GROUPS):
        return True
    day = "d2" if m.group("d2") else ("d5" if m.group("d5") else None)
    if day is not None and _DAY_FIRST.match(m.string, m.start(day)) is not None:
        return True
    return m.group("d1") is not None and m.end() == m.end("d1") and _TIME_AFTER.match(m.string, m.end()) is not None


def _dates_named(text: str, low: str, out: _Out) -> None:
    covered = 0
    for pos in _month_positions(low):
        if pos < covered:
            continue
        month_m = _MONTH_AT.match(low, pos)
        assert month_m is not None
        month = month_m.group(0)
        verb = month in _VERB_MONTHS and text[pos] == "m"
        starts = _date_prefix_starts(low, pos) if pos else []
        starts.append(pos)
        for start in starts:  # earliest first: the longest date that holds this month name
            m = _DATE_NAME.match(text, start)
            if m is None or m.end() <= pos:
                continue
            if verb and not _verb_month_ok(m):
                continue  # "may" and "march" the verbs
            det = _named_date(text, m, month)
            if det is not None:
                the = _THE_BEFORE.search(text, max(0, det.start - 8), det.start) if m.start(0) == start else None
                if the is not None and (m.group("d2") or m.group("d5")) and m.start("d2" if m.group("d2") else "d5") \
                        == det.start:
                    det = Detection(_with_weekday(text, the.start()), det.end, C.DATE, det.rule)  # "the 2nd of June"
                out.append(det)
                covered = det.end
                break


# --- a day alone: "on the 11th", "Thurs 12-19" ---------------------------------------------------

# Words before "the 11th" that make it a day of the month, read backwards.
_ORDINAL_CUE_REV = re.compile(
    r"\s+eht\s+(?:(?:fo\s+)?(?:gninrom|noonretfa|gnineve|thgin|kew)\s+)?"
    + rev_words(("on", "for", "by", "until", "till", "til", "through", "thru", "since", "from", "after", "before",
                 "due", "of", "to", "and", "or", "starting", "beginning", "ending", "next", "last", "planned",
                 "scheduled", "booked", "set", "admitted", "readmitted", "seen", "discharged", "started", "stopped",
                 "done", "placed", "called", "transferred", "extubated", "intubated", "dated")) + r"(?![a-z])"
)
# What may follow a day of the month: a pause, or a word that is not the noun of an ordinal
# ("the 2nd floor", "the 3rd day" are not dates).
_DAY_END = re.compile(
    r"\s*(?:[.,;:)!?\]]|\n|\Z)|\s+(?:with|at|@|and|or|in|to|for|if|when|while|after|before|during|then|so|but|per"
    r"|by|as|is|was|will|we"
    r"|he|she|they|i|pt|patient|of\s+(?:this|next|last|the)\s+month|"
    + "|".join(sorted(MONTH_NUMBERS, key=len, reverse=True)) + r"|\d)\b|\s+w/",
    re.IGNORECASE,
)


def _ordinal_day(text: str, m: re.Match[str], out: _Out) -> None:
    """A day of the month alone, "the 11th", after a word that asks for a date ("on", "for")."""
    start, end = m.span()
    if not 1 <= int(text[start:end - 2]) <= 31:
        return
    cue = _ORDINAL_CUE_REV.match(reversed_before(text, start, 40))
    if cue is None or not _DAY_END.match(text, end):
        return
    the = start - 1
    while text[the - 1].isspace():
        the -= 1
    out.append(Detection(the - 3, end, C.DATE, "date.day"))


# A two-digit year with the apostrophe after it, as clinicians write a past event ("CVA 74'", "MI 98'"),
# not a height or a distance in feet ("fell 10' from a ladder", "a 12' drop").
# Written to start at the first digit, so the regex engine skips to digits: the look-behind on
# the character before it follows that digit.
_YEAR_APOSTROPHE_AFTER = re.compile(
    r"(?P<y>\d(?<![\w'’.\-/]\d)\d)['’](?![\w'’\"”]|[ \t]*(?:x\d*|by|from|fall|drop|ft|feet|tall"
    r"|high|deep|long|wide|ladder|roof|\d)\b)", re.IGNORECASE)
_FEET_BEFORE_REV = re.compile(r"[ \t]*(?:lle?f|sllaf|gnillaf|morf|fo|~|tuoba|xorppa|x|ot|yltsom|deklaw|sklaw|klaw"
                              r"|detaluba|setaluba|bma|d'bma|revo|rof)(?![a-z])")


def _years_apostrophe_after(text: str, probe: str, out: _Out) -> None:
    """``CVA 74'``: a past event's two-digit year with its apostrophe written after it.

    ``_YEAR_APOSTROPHE_AFTER.finditer(text)``, tried only two characters before each apostrophe
    (found with str.find: a text holds few, and digits many): a match is two digits and then an
    apostrophe, so it starts there or nowhere, and two matches never overlap (the second would
    start on the first one's apostrophe). The probe keeps the text's offsets, and only an
    apostrophe lower-cases to one."""
    ends: list[int] = []
    for mark in ("'", "’"):
        i = probe.find(mark, 2)
        while i >= 0:
            ends.append(i)
            i = probe.find(mark, i + 1)
    if len(ends) > 1:
        ends.sort()
    for i in ends:
        m = _YEAR_APOSTROPHE_AFTER.match(text, i - 2)  # its look-behind still sees the text before
        if m is not None and not _FEET_BEFORE_REV.match(reversed_before(probe, m.start(), 16)):
            out.append(Detection(m.start(), m.end(), C.DATE, "date.year_apostrophe"))


# Words before a hyphenated "12-19" that make it a month and a day (a weekday joins the date).
_MD_CUE_REV = re.compile(
    r"[\s:,]+" + rev_words(("on", "dated", "date", "dos", "dob", "since", "until", "from", "planned", "scheduled",
                           "due", "seen", "appt", "appointment", "admitted", "adm", "discharged", "surgery")) + r"(?![a-z])"
)
_MD_END = re.compile(r"\s*(?:[.,;:)!?\]]|\n|\Z)|\s+(?:at|@|then|and|with|\d)\b", re.IGNORECASE)


def _hyphen_month_day(text: str, m: re.Match[str], out: _Out) -> None:
    """``12-19`` after a weekday or a date word ("Thurs 12-19", "planned 12-19.")."""
    start, end = m.span()
    a_text, b_text = text[start:end].split("-")
    begin = _with_weekday(text, start)
    if _days_in(int(a_text), int(b_text)) and not unit_follows(text, end) and not _SCORE_AFTER.match(text, end) \
            and (begin < start or (_MD_CUE_REV.match(reversed_before(text, start, 24)) and _MD_END.match(text, end))):
        out.append(Detection(begin, end, C.DATE, "date.md"))
        return
    groups_at(text, start, start + len(a_text), out)  # what the identifier branch would have read


# --- the recognizer ---------------------------------------------------------------------------

_MD = r"(?P<md>(?<![\w/.:+]\d)\d?/\d\d?(?![\w/]|[.,:]\d))"
_MD_H = r"(?P<md_h>(?<![\w/.:+\-#]\d)\d?-\d\d?(?![\w/\-]|[.,:]\d))"
_ORDINAL = r"(?P<ordinal>(?<=[Ee]\s\d)\d?(?i:st|nd|rd|th)(?![\w\-]))"  # after "the"

# A holiday names a day of the year ("since Thanksgiving 2023", "over christmas", "after EASTER"):
# with its year, or after a word of time ("since", "over", "at", ...), never in "Christmas cactus".
_HOLIDAY = re.compile(
    r"(?i:(?<![\w'’])(?P<before>since|over|at|on|by|until|till|before|after|around|for|through|thru|from|this|last"
    r"|next|past)[ \t]+(?:the[ \t]+)?)?"
    r"(?P<day>(?i:thanksgiving|christmas(?:[ \t]+(?:eve|day))?|xmas|easter(?:[ \t]+sunday)?|new[ \t]+year['’]?s"
    r"(?:[ \t]+(?:eve|day))?))(?![\w'’])(?P<year>[ \t]*,?[ \t]*(?:19|20)\d\d(?![\w]))?"
)


def _holidays(text: str, probe: str, out: _Out) -> None:
    """Holidays said with their year or after a word of time: the day they fall on is a date."""
    for m in _HOLIDAY.finditer(text):
        if m.group("before") or m.group("year"):
            end = m.end("year") if m.group("year") else m.end("day")
            out.append(Detection(m.start("day"), end, C.DATE, "date.holiday"))


RECOGNIZER = Recognizer(
    name="dates",
    order=10,
    priority={C.DATE: 6},
    branches=(
        Branch("iso_s", _iso_re("iso_s", "/"), Follow.SLASH, 30, _numeric_date),
        Branch("my", _my_re("my", "/"), Follow.SLASH, 30, _numeric_date),
        Branch("dmy", _dmy_re("dmy", "/"), Follow.SLASH, 30, _numeric_date),
        Branch("md", _MD, Follow.SLASH, 30, _numeric_date),
        Branch("iso_d", _iso_re("iso_d", r"\."), Follow.DOT, 30, _numeric_date),
        Branch("dmy_d", _dmy_re("dmy_d", r"\."), Follow.DOT, 30, _numeric_date),
        Branch("iso", _iso_re("iso", "-"), Follow.HYPHEN, 30, _numeric_date),
        Branch("my_h", _my_re("my_h", "-"), Follow.HYPHEN, 30, _numeric_date),
        Branch("dmy_h", _dmy_re("dmy_h", "-"), Follow.HYPHEN, 30, _numeric_date),
        Branch("md_h", _MD_H, Follow.HYPHEN, 30, _hyphen_month_day),
        Branch("ordinal", _ORDINAL, Follow.OTHER, 30, _ordinal_day),
    ),
    # On every text: the scan itself looks for each month's first three letters, and stops at
    # once when there is none.
    triggers=(Trigger(("'", "’"), _years_apostrophe_after),
              Trigger(("thanksgiving", "christmas", "xmas", "easter", "new year"), _holidays)),
    scan=_dates_named,
    field_keys=dict.fromkeys(
        ("dob", "birth_date", "date_of_birth", "birthday", "date", "admit_date", "admission_date", "discharge_date",
         "encounter_date", "visit_date", "death_date", "dod", "service_date", "deceased_date_time",
         "birth_date_time", "date_time", "timestamp"), C.DATE),
    surrogates={C.DATE: "_date"},
)
