"""Ages over 89 (HIPAA keeps younger ages): ``92 y/o``, ``92F``, ``aged 95``, ``ninety-two years old``.

The span is the number alone. A number from 90 to 119 is an age with an age word after it
(``y/o``, ``years old``, ``F``/``M`` in either case) or before it (``aged``, ``age:``); ``99F``
after a temperature word is a temperature, ``100m`` after a walking word a distance. A branch of
its own finds the ages that clinicians write without an age word (and a scan of its own, those at
the end of a line, which the number scan does not visit): after a person and a verb
(``pt is 94``, ``wife was 91``), after a person alone when a pause follows (``pt 90, lives
alone``), after ``turns`` (``turns 100 on the 27th``), and at the head of a sentence when a
history follows (``98 s/p hip fx``). Lab values (``plt 98``, ``hr 98``, ``spo2 98%``) have
none of these. Spelled ages run only when ``ninety`` or ``hundred`` occurs. The surrogate of an
age over 89 is ``90+``.
"""

from __future__ import annotations

import re

from privacy.deid.recognizers.base import Branch, Detection, Follow, Recognizer, Trigger
from privacy.deid.recognizers.ids import groups_at
from privacy.deid.recognizers.text import rev_words, reversed_before, unit_follows
from privacy.phi import PhiCategory as C

__all__ = ["RECOGNIZER"]

_Out = list[Detection]


def _age_re(name: str) -> str:
    # 90 to 119, then a quick test of what makes it an age: "92 y/o", "92F", "aged 92"
    return (rf"(?P<{name}>(?<![\w.]\d)(?:(?<=9)\d|(?<=1)[01]\d)(?!\d|\.\d)"
            r"(?:(?=\s*-?\s*[yY])|(?=[FMfm]\b)|(?<=[eEdD:fF]\s\d\d)|(?<=[eEdD:fF]\s\d\d\d)|(?<=:\d\d)))")


_AGE_SUFFIX = re.compile(
    r"\s*-?\s*(?:y/o|y\.o\b\.?|yo\b|y\s?o\b|yrs?\.?[\s-]*old|years?[\s-]*old|years?\s+of\s+age|yr-old"
    r"|-y-o\b|years?-of-age)|[fm]\b",
    re.IGNORECASE,
)
_AGE_NOT_AFTER = re.compile(
    r"\s*(?:days?|d\b|weeks?|wks?|months?|mos?|mg|kg|lbs?|pounds|minutes?|mins?|hours?|hrs?|bpm|mmhg|[%/])",
    re.IGNORECASE,
)
_AGE_PREFIX_REV = re.compile(r"\s*:?\s*(?:dega|ega|sega|fo\s+ega)(?![a-z])")
# "T 99F", "fever to 101F" (reversed): a temperature in Fahrenheit, not a 99-year-old woman
_TEMPERATURE_REV = re.compile(r"\W*(?:(?:ot|fo|ta|saw|si|fo\s+kaep)\W+)?"
                              r"(?:t|pmet|erutarepmet|xamt|mt|revef|elirbef|elirbefa|°)(?![\w.])")
_AGE_WORDS = re.compile(
    r"(?<![\w-])(?:ninety(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine))?"
    r"|(?:a|one)\s+hundred(?:(?:\s+and)?[\s-]+(?:one|two|three|four|five|six|seven|eight|nine|ten))?)"
    r"(?=[\s-]+(?:years?[\s-]+old|year-old|yrs?\.?[\s-]+old|yr-old|y\.?o\b|y/o|years?\s+of\s+age))",
    re.IGNORECASE,
)
# A spelled age after a word that says it is one: "died at ninety two", "aged ninety-one".
_AGE_WORDS_AFTER = re.compile(
    r"(?<![\w-])(?:died|passed(?:\s+away)?|aged?|turned|turns|turning|is|was|at\s+(?:the\s+)?age(?:\s+of)?|at)\s+"
    r"(?P<age>ninety(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine))?"
    r"|(?:a|one)\s+hundred(?:(?:\s+and)?[\s-]+(?:one|two|three|four|five|six|seven|eight|nine|ten))?)(?![\w-])"
    r"(?!\s*(?:percent|%|degrees|mg|pounds|lbs|minutes|days|times|beats|miles|over|to|/|and\s+\d|bpm|mmhg)\b)",
    re.IGNORECASE,
)

# A spelled age set off by commas or brackets, the way an age follows a name ("AUGUSTINE
# PELLETIER (GUS), NINETY-FOUR, DX CHF", "Ora Lee Whitsett, ninety-six, dx FTT").
_AGE_WORDS_APPOSED = re.compile(
    r"[,(][ \t]*(?P<age>ninety(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine))?"
    r"|(?:a|one)\s+hundred(?:(?:\s+and)?[\s-]+(?:one|two|three|four|five|six|seven|eight|nine|ten))?)"
    r"(?=[ \t]*(?:[,;)]|\.(?:\s|\Z)|\r?\n|\Z))",
    re.IGNORECASE,
)
# A relative's age in brackets after the word for them: "mom (93) more confused", "HUSBAND (95)".
_BRACKETED_AGE = re.compile(r"\([ \t]*(9\d|1[01]\d)[ \t]*\)")
_RELATIVE_BEFORE = re.compile(
    r"(?<![\w'’])(?i:mom|mum|mother|dad|father|wife|husband|spouse|grandma|grandmother|grandpa|grandfather|aunt"
    r"|uncle|sister|brother|mil|fil|mother-in-law|father-in-law)[ \t]*\Z")


# "walked 100m", "ambulated 90 m" (reversed): a distance, not a 100-year-old man
_DISTANCE_REV = re.compile(r"\W*(?:(?:xorppa|tuoba|~)\W*)?(?:deklaw|klaw|sklaw|gniklaw|detaluba|setaluba|gnitaluba"
                           r"|etaluba|bma|d'bma|nar|nur|ecnatsid|xorppa|rof|revo|nihtiw|ni|retfa|x|q|yreve)(?![a-z])")


def _age(text: str, m: re.Match[str], out: _Out) -> None:
    start, end = m.span()
    if start > 1 and text[start - 1] == "-" and text[start - 2].isalpha():
        return  # an isotope: "Tc-99m"
    suffix = _AGE_SUFFIX.match(text, end)
    if suffix is not None:
        letter = suffix.group(0).lower()
        if letter == "f" and _TEMPERATURE_REV.match(reversed_before(text, start, 15)):
            return  # 98F is a temperature
        if letter == "m" and _DISTANCE_REV.match(reversed_before(text, start, 16)):
            return  # walked 100m
    elif not _AGE_PREFIX_REV.match(reversed_before(text, start, 12)) or _AGE_NOT_AFTER.match(text, end):
        _context_age(text, start, end, out)  # "PT TURNED 101 ON JAN 12": the branch took it for "aged 101"
        return
    out.append(Detection(start, end, C.AGE, "age.over89"))


# --- ages without an age word ------------------------------------------------------------------

# A number from 90 to 119 standing alone (not a decimal, a ratio, a percentage or a range): a
# branch of the number scan, and a scan of its own for a number at the end of a line, which the
# number scan does not visit.
_BARE = r"(?![\w%]|[.,]\d|\s*[/%]|\s*-\s*\d)"
_BARE_AGE_RE = r"(?P<{name}>(?<![\w.,/:+\-]\d)(?:(?<=9)\d|(?<=1)[01]\d)" + _BARE + ")"
_LINE_END_AGE = re.compile(r"[19](?<![\w.,/:+\-][19])(?:(?<=9)\d|(?<=1)[01]\d)(?=\r?\n)")
_PERSONS = ("pt", "pt.", "patient", "he", "she", "who", "wife", "husband", "spouse", "partner", "mother", "mom",
            "father", "dad", "sister", "brother", "son", "daughter", "dtr", "aunt", "uncle", "grandmother",
            "grandfather", "grandma", "grandpa", "friend", "neighbor", "resident")
_VERBS = ("is", "was", "is now", "now", "turned", "turns", "turning", "will be", "who is", "aged", "is actually",
          "is almost", "is nearly", "just turned", "is really", "was actually")
# Read backwards: "pt is", "wife was", "he turned"; or "turns" alone; or a person alone.
_PERSON_VERB_REV = re.compile(r"[ \t]+(?:" + rev_words(_VERBS) + r")[ \t]+(?:,[ \t]*)?(?:" + rev_words(_PERSONS)
                              + r")(?![a-z])|[ \t]+" + rev_words(("turns", "turned", "turning")) + r"(?![a-z])")
_PERSON_REV = re.compile(r"[ \t]+(?:" + rev_words(_PERSONS) + r")(?![a-z])")
_SENTENCE_START_REV = re.compile(r"[ \t]*(?:[.:;!?]|\n|\Z)")
# What may follow the number of "pt 90": a pause, or a word that goes on about the person.
_PAUSE_AFTER = re.compile(
    r"[ \t]*(?:[,;.)]|\n|\Z)(?![ \t]*(?:inr|ptt|aptt|sec|seconds)\b)|[ \t]+(?:and|w/|with|who|lives|living|yo|y/o"
    r"|f|m|female|male|woman|man|lady|gentleman|s/p|h/o|from|nh|resident|widow|widower|retired)\b",
    re.IGNORECASE)
# What follows the number at the head of a sentence: the history of an old patient.
_HISTORY_AFTER = re.compile(r"[ \t]+(?:s/p|h/o|w/|with|who|female|male|woman|man|lady|gentleman|widow|widower"
                            r"|presents|presenting|admitted|here)\b", re.IGNORECASE)
_NOT_AGE_AFTER = re.compile(r"[ \t]*(?:over|x|times|to|-|and\s+\d|(?:bpm|mmhg|sec|s|seconds|degrees|deg|f|c|kg|lbs?"
                            r"|pounds|%|percent|ml|cc|mg|mcg|units?|k|g|min|mins|minutes)\b(?!/))", re.IGNORECASE)


def _context_age(text: str, start: int, end: int, out: _Out) -> bool:
    """Whether ``text[start:end]`` (90 to 119) is an age by what stands around it; appends it."""
    if _NOT_AGE_AFTER.match(text, end) or unit_follows(text, end):
        return False
    rev = reversed_before(text, start, 40)
    if _PERSON_VERB_REV.match(rev) or _AGE_PREFIX_REV.match(rev) \
            or (_PERSON_REV.match(rev) and _PAUSE_AFTER.match(text, end)) \
            or (_SENTENCE_START_REV.match(rev) and _HISTORY_AFTER.match(text, end)):
        out.append(Detection(start, end, C.AGE, "age.over89.context"))
        return True
    return False


def _bare_age(text: str, m: re.Match[str], out: _Out) -> None:
    """An age over 89 written without an age word: found from the person or the verb before it."""
    start, end = m.span()
    if not _context_age(text, start, end, out) and m.lastgroup == "age_n_s":
        groups_at(text, start, end, out)  # what the identifier branch would have read: "90 12 345"


def _line_end_ages(text: str, probe: str, out: _Out) -> None:
    """Ages without an age word at the end of a line ("PT IS 97" then a new line)."""
    for m in _LINE_END_AGE.finditer(text):
        _context_age(text, m.start(), m.end(), out)


def _relative_ages(text: str, probe: str, out: _Out) -> None:
    for m in _BRACKETED_AGE.finditer(text):  # the bracket first: it is rare, the relation word is not
        if _RELATIVE_BEFORE.search(text, max(0, m.start() - 16), m.start()):
            out.append(Detection(m.start(1), m.end(1), C.AGE, "age.over89.relative"))


def _age_words(text: str, probe: str, out: _Out) -> None:
    spans = [m.span() for m in _AGE_WORDS.finditer(text)]
    spans += [m.span("age") for m in _AGE_WORDS_AFTER.finditer(text) if m.span("age") not in spans]
    spans += [m.span("age") for m in _AGE_WORDS_APPOSED.finditer(text) if m.span("age") not in spans]
    out.extend(Detection(start, end, C.AGE, "age.over89.words") for start, end in spans)


RECOGNIZER = Recognizer(
    name="ages",
    order=30,
    priority={C.AGE: 15},
    branches=(
        Branch("age", _age_re("age"), Follow.HYPHEN, 50, _age),  # "92-year-old"
        Branch("age_b", _age_re("age_b"), Follow.SHORT_SPACE, 50, _age),  # "92 y/o"
        Branch("age_c", _age_re("age_c"), Follow.OTHER, 50, _age),  # "92F", "92yo"
        Branch("age_n_s", _BARE_AGE_RE.format(name="age_n_s"), Follow.SHORT_SPACE, 55, _bare_age),  # "pt is 94 and"
        Branch("age_n", _BARE_AGE_RE.format(name="age_n"), Follow.OTHER, 55, _bare_age),  # "pt 90, lives"
    ),
    triggers=(Trigger(("ninety", "hundred"), _age_words), Trigger(("\n",), _line_end_ages),
              Trigger(("(",), _relative_ages)),
    field_keys=dict.fromkeys(("age", "age_years", "patient_age"), C.AGE),
    surrogates={C.AGE: "_age"},
)
