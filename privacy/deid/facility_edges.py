"""Where a facility's name begins and ends, once something in it has been found.

The detectors and the allow-list pass often find the telling part of a facility's name (a rare
word, a place, a head word with a proper neighbour) and stop short of its edges. These rules
move the edges out to the whole name as the note writes it:

- :func:`bracketed`: a name in brackets after a place word or ending in a facility word: "clinic
  (habit opco)", "1180 RT 6 (RED ROOF INN)";
- :func:`of_tails`: "... of <place>" after a facility, or a run ending in a facility word before
  "of <a found place>": "VNA OF BACK MOUNTAIN", "Community Food Bank of Eastern Oklahoma";
- :func:`bridges`: two finds joined by "on the", "of the" or "at the" into one name: "NEWBRIDGE
  ON THE CHARLES";
- :func:`head_modifiers`: a name that starts on its head word takes the word before it: "the
  WOUND CENTER AT MOSES TAYLOR";
- :func:`articles`: "the" after a place cue before a found name: "at the Brigham", "lives at The
  Willows";
- :func:`named_kinds`: the name before "Head Start" or before a home's word and its kind:
  "Phalen Lake Head Start", "norwood adult day", "Harmony House group home" (it needs nothing found before it, so
  the pass runs it with the facility runs);
- :func:`prefixed_names`: a facility found as a bare "Mt." or "St." takes the name after it:
  "Mt. Hood Regional";
- :func:`store_numbers`: a store's number after a facility: "Walmart #1402";
- :func:`ward_numbers`: a ward named for a person, with its floor: "transfer to Dunleavy 6";
- :func:`saints_possessive`: a saint's name in the possessive: "St. E's";
- :func:`names_before_towns`: a name ending in a facility word before ", <town>":
  "Interstate Occupational Health, Amarillo";
- :func:`the_va`: "the VA", and the town it is in: "AT THE VA IN TOMAH".

Each reads the lower-cased text ``low``, the case-kept ``text`` where case adds a signal, and
the spans found so far as ``(start, end, category)``; each appends to ``out``.
"""

from __future__ import annotations

import re
from operator import itemgetter

from privacy.deid.cues import CARE_SETTINGS, CUE_WORDS, NAME_TITLES, cue_before
from privacy.deid.detection import Detection
from privacy.deid.growth import FACILITY_WORDS
from privacy.deid.name_lexicon import NEVER_NAMES
from privacy.deid.vocab import CLINICAL, HEADER_WORDS
from privacy.deid.wordlists import town_names
from privacy.phi import PhiCategory as C

__all__ = ["articles", "bracketed", "bridges", "facility_edges", "head_modifiers", "named_kinds", "names_before_towns",
           "of_tails", "prefixed_names", "saints_possessive", "store_numbers", "the_va", "ward_numbers"]

# The categories as module constants: on Python 3.11 an attribute of an Enum class is read through
# the slow hook of EnumType.__getattr__ (about ten times a global's cost); these are the same objects.
_FACILITY, _NAME, _UNKNOWN, _CITY = C.FACILITY, C.NAME, C.UNKNOWN, C.CITY
Span = tuple[int, int, C]
# Finds that can be (part of) a place's name; a date, a phone or an age never is.
_PLACE_LIKE = frozenset((_FACILITY, _NAME, _UNKNOWN, _CITY))
_CATEGORY = itemgetter(2)  # a span's category
_WORD = re.compile(r"[a-z][a-z'’&-]*")
_BRACKET = re.compile(r"\(([^()\n\d]{2,60})\)")
_WORD_BEFORE = re.compile(r"([a-z]+)[ \t]*\Z")
_OF_AFTER = re.compile(r"[ \t]+of[ \t]+(?:the[ \t]+)?")
_OF_BEFORE = re.compile(r"((?:[a-z][a-z'’&-]*[ \t]+){1,4})of[ \t]+(?:the[ \t]+)?\Z")
_BRIDGE = re.compile(r"[ \t]+(?:on|of|at)[ \t]+the[ \t]+")
_OF_TOWN = re.compile(r"[ \t]+of[ \t]+")
_TAIL_WORDS = re.compile(r"((?:[a-z][a-z'’-]*)(?:[ \t]+[a-z][a-z'’-]*){0,2})(?=[ \t]*(?:[.,;:)\n]|$))")
_ARTICLE_CUE = re.compile(r"(?:^|[^\w])(?:at|from|to|into|via|@)[ \t]+the[ \t]+\Z")
# Words that no part of a place's name is: a person's title, a cue, a heading, a function word.
_NEVER_IN_NAME = CUE_WORDS | NAME_TITLES | HEADER_WORDS | NEVER_NAMES - {"patient"}


def _name_words(words: list[str]) -> bool:
    return bool(words) and not any(w in _NEVER_IN_NAME for w in words)


def bracketed(low: str, spans: list[Span], out: list[Detection]) -> None:
    """A find inside brackets of at most four words is a facility's whole name when the bracket
    follows a facility or care-setting word or its last word is a facility word."""
    places = [(s, e) for s, e, c in spans if c in _PLACE_LIKE]  # read once, not once per bracket
    if not places:
        return
    for m in _BRACKET.finditer(low):
        inner_start, inner_end = m.span(1)
        if not any(s >= inner_start and e <= inner_end for s, e in places):
            continue
        words = _WORD.findall(m.group(1))
        if not 1 <= len(words) <= 4 or not _name_words(words) or len(" ".join(words)) != len(m.group(1).strip()):
            continue
        before = _WORD_BEFORE.search(low, max(0, m.start() - 30), m.start())
        if words[-1] in FACILITY_WORDS or before is not None and (before.group(1) in FACILITY_WORDS
                                                                 or before.group(1) in CARE_SETTINGS):
            lead = len(m.group(1)) - len(m.group(1).lstrip())
            out.append(Detection(inner_start + lead, inner_start + lead + len(" ".join(words)), _FACILITY,
                                 "allow.facility_bracket"))


def of_tails(text: str, low: str, spans: list[Span], mixed_case: bool, out: list[Detection]) -> None:
    """A facility's "of <place>" tail ("VNA OF BACK MOUNTAIN", "Hospice of the Valley"), and a
    run ending in a facility word before "of <a found place>" ("Community Food Bank of Eastern
    Oklahoma")."""
    starts = {s for s, _, _ in spans}
    for s, e, category in spans:
        if category is _FACILITY:
            of = _OF_AFTER.match(low, e)
            if of is not None and of.end() not in starts:
                tail = _TAIL_WORDS.match(low, of.end())
                if tail is not None:
                    words = tail.group(1).split()
                    title = all(text[i].isupper() for i in _word_starts(low, of.end(), tail.end(1)))
                    if _name_words(words) and words[-1] not in CLINICAL and (title or not mixed_case):
                        out.append(Detection(s, tail.end(1), _FACILITY, "allow.facility_of"))
        if category in _PLACE_LIKE and "of" in low[max(0, s - 16):s]:
            before = _OF_BEFORE.search(low, max(0, s - 60), s)
            if before is None:
                continue
            at = _word_starts(low, before.start(1), before.end(1))
            words = before.group(1).split()
            while words and words[0] not in FACILITY_WORDS and (words[0] in _NEVER_IN_NAME or words[0] in CLINICAL):
                words.pop(0)
                at.pop(0)
            if not words or words[-1] not in FACILITY_WORDS or not _name_words(words):
                continue
            if mixed_case and not all(text[i].isupper() for i in at):
                continue
            first = at[0]
            out.append(Detection(first, e, _FACILITY, "allow.facility_of"))


def _word_starts(low: str, start: int, end: int) -> list[int]:
    return [start + m.start() for m in _WORD.finditer(low[start:end])]


def bridges(low: str, spans: list[Span], out: list[Detection]) -> None:
    """A facility and a place-like find joined by "on the", "of the" or "at the" are one name, and
    so are a facility and a town joined by "of" ("Masjid al-Noor of Roxbury")."""
    ordered = sorted(spans)
    for (s, e, c), (s2, e2, c2) in zip(ordered, ordered[1:]):
        if (c is _FACILITY or c2 is _FACILITY) and c in _PLACE_LIKE and c2 in _PLACE_LIKE:
            gap = _BRIDGE.fullmatch(low, e, s2)
            if gap is not None or c is _FACILITY and c2 is _CITY and _OF_TOWN.fullmatch(low, e, s2):
                out.append(Detection(s, e2, _FACILITY, "allow.facility_bridge"))  # "... of Roxbury" too


def head_modifiers(low: str, spans: list[Span], out: list[Detection]) -> None:
    """A facility found from its head word ("CENTER AT MOSES TAYLOR") takes the word that
    modifies it right before ("WOUND CENTER ..."): a name does not start on "center"."""
    for s, e, category in spans:
        if category is not _FACILITY:
            continue
        head = _WORD.match(low, s)
        if head is None or head.group() not in FACILITY_WORDS:
            continue
        before = _WORD_BEFORE.search(low, max(0, s - 30), s)
        if before is None or s - before.end(1) != 1 or low[before.end(1)] != " ":
            continue
        word = before.group(1)
        if word not in _NEVER_IN_NAME and word != "the" and (word in CLINICAL or word in CARE_SETTINGS
                                                             or word in FACILITY_WORDS):
            out.append(Detection(before.start(1), e, _FACILITY, "allow.facility_head"))


_PREFIXES = frozenset(("st", "mt", "saint", "mount", "ste"))
_WORDS_AFTER_PREFIX = re.compile(
    r"\.?[ \t]+([a-z][a-z'’-]*)(?:[ \t]+([a-z][a-z'’-]*))?(?:[ \t]+([a-z][a-z'’-]*))?")


def prefixed_names(low: str, spans: list[Span], out: list[Detection]) -> None:
    """A facility found as a bare saint's or mountain's prefix takes the name after it, up to its
    facility word if one comes within three words ("Mt. Hood Regional", "st. odile's")."""
    for s, e, category in spans:
        if category is not _FACILITY or low[s:e].rstrip(".") not in _PREFIXES:
            continue
        m = _WORDS_AFTER_PREFIX.match(low, e)
        if m is None or m.group(1) in _NEVER_IN_NAME or m.group(1) in CLINICAL:
            continue
        end = m.end(1)
        for k in (2, 3):
            word = m.group(k)
            if word is None or word in _NEVER_IN_NAME:
                break
            if word in FACILITY_WORDS:
                end = m.end(k)
        out.append(Detection(s, end, _FACILITY, "allow.facility_prefix"))


# A program's or a home's name before what kind of place it is: "Phalen Lake Head Start", "Harmony
# House group home" (the words before must be able to be a name; "the group home" is no name).
_KIND = re.compile(
    r"(?<![\w'’])(?:(?P<start>head[ \t]+start|adult[ \t]+day(?:[ \t]+(?:health|care|program|center))?)"
    r"|(?P<home>house|home|manor|place|lodge|villa)[ \t]+"
    r"(?:group[ \t]+home|sober[ \t]+living|assisted[ \t]+living|adult[ \t]+day|residential)(?![\w]))")
_WORDS_BEFORE = re.compile(r"(?<![\w'’])((?:[a-z][a-z'’-]*[ \t]+){1,3})\Z")


_NOT_IN_KIND_NAME = _NEVER_IN_NAME | CLINICAL | CARE_SETTINGS


def _name_after_last_stop(text: str, low: str, run: re.Match[str], mixed_case: bool,
                          stops: frozenset[str]) -> tuple[list[str], list[int]]:
    """The words of ``run``'s first group that can end a name, with their offsets: those after
    the last word that cannot be part of it (one of ``stops``, or not Title Case in mixed-case
    text)."""
    at = _word_starts(low, run.start(1), run.end(1))
    words = run.group(1).split()
    keep = len(words)
    while keep and not (words[keep - 1] in stops or mixed_case and not text[at[keep - 1]].isupper()):
        keep -= 1
    return words[keep:], at[keep:]


def named_kinds(text: str, low: str, mixed_case: bool, out: list[Detection]) -> None:
    """The name before "Head Start", or before a home's word and its kind ("Harmony House group
    home"): every word a possible part of a name, Title Case where the text has case."""
    for kind in _KIND.finditer(low):
        m = _WORDS_BEFORE.search(low, max(0, kind.start() - 60), kind.start())
        if m is None:
            continue
        words, at = _name_after_last_stop(text, low, m, mixed_case, _NOT_IN_KIND_NAME)
        if not words:
            continue
        end = kind.end("start") if kind.group("start") else kind.end("home")
        out.append(Detection(at[0], end, _FACILITY, "allow.facility_kind"))


# What every match of _WARD_NUMBER holds: the last of its blanks, then its number's first digit.
_BLANK_DIGIT = re.compile(r"[ \t]\d")
_WARD_NUMBER = re.compile(
    r"[ \t]+(\d{1,2}[a-z]?)(?=[ \t]*(?:[),.;:]|\r?\n|\Z|[ \t]+(?:tomorrow|today|tonight|in|when|per|once|if|after"
    r"|this|later|am|pm)(?![\w])))")


def ward_numbers(low: str, spans: list[Span], out: list[Detection]) -> None:
    """A ward named for a person, with its floor: "transfer to Dunleavy 6 tomorrow", "(Halloran
    5)": a find after a transfer cue or a bracket, and a number of one or two digits."""
    for s, e, category in spans:
        if category in _PLACE_LIKE:
            m = _WARD_NUMBER.match(low, e)
            if m is not None and (low[s - 1:s] == "(" or cue_before(low, s) is _FACILITY):
                out.append(Detection(s, m.end(1), _FACILITY, "allow.facility_ward"))


# The "s" is matched before the look-behind that no word character or apostrophe comes before
# it, so that the scan skips from one "s" to the next instead of trying every position.
_SAINT_POSSESSIVE = re.compile(r"s(?<![\w'’]s)(?:t|aint)\.?[ \t]+[a-z]{1,14}['’]s(?![\w'’])(?![ \t]+wort)")


def saints_possessive(low: str, out: list[Detection]) -> None:
    """A saint's name in the possessive is a hospital's or a church's ("St. E's", "st. brigid's"),
    not St. John's wort."""
    for m in _SAINT_POSSESSIVE.finditer(low):
        out.append(Detection(m.start(), m.end(), _FACILITY, "allow.saint_possessive"))


def _townish(low: str, s: int, e: int, category: C) -> bool:
    """Whether a find is a town: found as one, or a name or unknown word that is a US town's."""
    return category is _CITY or category in (_NAME, _UNKNOWN) and low[s:e] in town_names()[0]


_BEFORE_TOWN = re.compile(r",[ \t]*\Z")
_RUN_BEFORE = re.compile(r"(?<![\w'’])((?:[a-z][a-z'’&-]*[ \t]+){0,3}[a-z][a-z'’&-]*)\Z")


def names_before_towns(text: str, low: str, spans: list[Span], mixed_case: bool, out: list[Detection]) -> None:
    """A name ending in a facility word right before ", <found town>", as a heading or a letterhead
    writes it ("Interstate Occupational Health, Amarillo", "BLUESTEM DRUG, EMPORIA KS"): Title
    Case words where the text has case, none a function or cue word, not all generic."""
    for s, e, category in spans:
        # what _townish asks first (a town is found as a CITY, NAME or UNKNOWN), before any slice
        if category is not _CITY and category is not _NAME and category is not _UNKNOWN \
                or "," not in low[max(0, s - 4):s] or not _townish(low, s, e, category):
            continue
        comma = _BEFORE_TOWN.search(low, max(0, s - 4), s)
        if comma is None:
            continue
        run = _RUN_BEFORE.search(low, max(0, comma.start() - 60), comma.start())
        if run is None:
            continue
        words, at = _name_after_last_stop(text, low, run, mixed_case, _NEVER_IN_NAME)
        if len(words) < 2 or words[-1] not in FACILITY_WORDS or all(w in FACILITY_WORDS or w in CARE_SETTINGS
                                                                   or w in CLINICAL for w in words):
            continue
        out.append(Detection(at[0], run.end(1), _FACILITY, "allow.facility_before_town"))


# The "t" is matched before the look-behind that no word character or apostrophe comes before it
# (the same test, one character on), so that the scan skips from one "t" to the next.
_THE_VA = re.compile(r"t(?<![\w'’]t)he[ \t]+(va|vamc)(?![\w'’])(?:([ \t]+in[ \t]+)(?=[a-z]))?")


def the_va(low: str, spans: list[Span], out: list[Detection]) -> None:
    """"the VA" is a veterans' hospital (never Virginia or visual acuity with the article), with
    the town it is in when one was found: "PRIMARY CARE AT THE VA IN TOMAH"."""
    towns: dict[int, int] | None = None  # where each town found starts and ends, made when first asked
    for m in _THE_VA.finditer(low):
        end = m.end(1)
        if m.group(2) is not None:
            if towns is None:
                towns = {s: e for s, e, c in spans if _townish(low, s, e, c)}
            if m.end(2) in towns:
                end = towns[m.end(2)]
        out.append(Detection(m.start(1), end, _FACILITY, "allow.facility_va"))


_STORE_NUMBER = re.compile(r"[ \t]*(?:#|no\.?|store)[ \t]*\d{1,6}(?![\w/.]|[.,]\d)")


def store_numbers(low: str, spans: list[Span], out: list[Detection]) -> None:
    """A store's or unit's number after a facility ("Walmart #1402", "CVS store 2231")."""
    for s, e, category in spans:
        if category is _FACILITY:
            m = _STORE_NUMBER.match(low, e)
            if m is not None:
                out.append(Detection(s, m.end(), _FACILITY, "allow.facility_number"))


def articles(low: str, spans: list[Span], out: list[Detection]) -> None:
    """A single found word after "at the", "from the" or "to the" is a place's name with its
    article ("transplant w/u at the Brigham", "lives at The Willows")."""
    for s, e, category in spans:
        if category in (_NAME, _UNKNOWN) and s >= 4 and low[s - 4:s] == "the " \
                and _ARTICLE_CUE.search(low, max(0, s - 12), s) is not None:
            out.append(Detection(s - 4, e, _FACILITY, "allow.facility_article"))


def facility_edges(text: str, low: str, spans: list[Span], mixed_case: bool, out: list[Detection]) -> None:
    """Every rule of this module but :func:`named_kinds`, in order, over the spans found so far."""
    added: list[Detection] = []
    if "(" in low:
        bracketed(low, spans, added)
    if " of " in low:
        of_tails(text, low, spans, mixed_case, added)
    if "the " in low:
        articles(low, spans, added)
    if "st" in low and ("'s" in low or "’s" in low):  # what every match holds
        saints_possessive(low, added)
    if "," in low:
        names_before_towns(text, low, spans, mixed_case, added)
    if " va" in low:
        the_va(low, spans, added)
    if _BLANK_DIGIT.search(low) is not None:
        ward_numbers(low, spans, added)
    # ``in`` over the categories runs in C and tries identity first (the categories are members)
    if _FACILITY in map(_CATEGORY, spans) or any(d.category is _FACILITY for d in added):
        bridges(low, spans, added)
        prefixed_names(low, spans, added)
        head_modifiers(low, spans + [(d.start, d.end, d.category) for d in added], added)
        if "#" in low or "no" in low or "store" in low:
            store_numbers(low, spans + [(d.start, d.end, d.category) for d in added], added)
    out.extend(added)
