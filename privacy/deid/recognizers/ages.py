"""Ages over 89 (HIPAA keeps younger ages): ``92 y/o``, ``92F``, ``aged 95``, ``ninety-two years old``.

The span is the number alone. A number from 90 to 119 is an age only with an age word after it
(``y/o``, ``years old``, ``F``/``M``) or before it (``aged``, ``age:``); ``99F`` after a
temperature word is a temperature. Spelled ages run only when ``ninety`` or ``hundred`` occurs.
The surrogate of an age over 89 is ``90+``.
"""

from __future__ import annotations

import re

from privacy.deid.recognizers.base import Branch, Detection, Follow, Recognizer, Trigger
from privacy.deid.recognizers.text import reversed_before
from privacy.phi import PhiCategory as C

__all__ = ["RECOGNIZER"]

_Out = list[Detection]


def _age_re(name: str) -> str:
    # 90 to 119, then a quick test of what makes it an age: "92 y/o", "92F", "aged 92"
    return (rf"(?P<{name}>(?<![\w.]\d)(?:(?<=9)\d|(?<=1)[01]\d)(?!\d|\.\d)"
            r"(?:(?=\s*-?\s*[yY])|(?=[FM]\b)|(?<=[eEdD:fF]\s\d\d)|(?<=[eEdD:fF]\s\d\d\d)|(?<=:\d\d)))")


_AGE_SUFFIX = re.compile(
    r"\s*-?\s*(?:y/o|y\.o\b\.?|yo\b|y\s?o\b|yrs?\.?[\s-]*old|years?[\s-]*old|years?\s+of\s+age|yr-old"
    r"|-y-o\b|years?-of-age)|(?-i:[FM])\b",
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
    r"(?=[\s-]+(?:years?[\s-]+old|year-old|yo\b|y/o))",
    re.IGNORECASE,
)


def _age(text: str, m: re.Match[str], out: _Out) -> None:
    start, end = m.span()
    suffix = _AGE_SUFFIX.match(text, end)
    if suffix is not None:
        if suffix.group(0) in ("F", "M") and _TEMPERATURE_REV.match(reversed_before(text, start, 15)):
            return  # 98F is a temperature
    elif not _AGE_PREFIX_REV.match(reversed_before(text, start, 12)) or _AGE_NOT_AFTER.match(text, end):
        return
    out.append(Detection(start, end, C.AGE, "age.over89"))


def _age_words(text: str, probe: str, out: _Out) -> None:
    for m in _AGE_WORDS.finditer(text):
        out.append(Detection(m.start(), m.end(), C.AGE, "age.over89.words"))


RECOGNIZER = Recognizer(
    name="ages",
    order=30,
    priority={C.AGE: 15},
    branches=(
        Branch("age", _age_re("age"), Follow.HYPHEN, 50, _age),  # "92-year-old"
        Branch("age_b", _age_re("age_b"), Follow.SHORT_SPACE, 50, _age),  # "92 y/o"
        Branch("age_c", _age_re("age_c"), Follow.OTHER, 50, _age),  # "92F", "92yo"
    ),
    triggers=(Trigger(("ninety", "hundred"), _age_words),),
    field_keys=dict.fromkeys(("age", "age_years", "patient_age"), C.AGE),
    surrogates={C.AGE: "_age"},
)
