"""How the allow-list pass grows what it found into whole names, facilities and towns.

Each function reads the lower-cased text ``low`` (and ``text`` where case may add a signal),
the word tokens ``toks`` and the spans found so far, and appends to ``out``:

- :func:`grow_names`: a person's name over adjacent name words, particles and initials;
- :func:`honorifics`: the word after "Mr." / "Dr." / "Ms." and its dot, in any case;
- :func:`same_names`: every other occurrence of a word already found as a name;
- :func:`grow_saints`: saints' facilities with prefix and possessive, and a facility's side;
- :func:`facilities`: named facilities as runs of words around a facility word;
- :func:`town_phrases` and :func:`grow_towns`: towns of several words.

What Title Case finds, text with no case to read finds too, so that a note's case never lowers
its recall.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache
from itertools import compress, count, islice, repeat
from operator import and_, contains, itemgetter

from privacy.deid.cues import CARE_SETTINGS, CUE_WORDS, FACILITY_HEADS, saint_start
from privacy.deid.detection import Detection
from privacy.deid.name_lexicon import FIRST_NAMES, NEVER_NAMES
from privacy.deid.vocab import (
    CLINICAL,
    HEADER_WORDS,
    VOCAB,
    is_word_char,
    sentence_start,
    token_starts,
    tokens_between,
)
from privacy.deid.wordlists import WordLists, name_words, town_names
from privacy.phi import PhiCategory as C

# Categories read once: reading a member off the Enum class costs ten times a global's read.
_NAME, _UNKNOWN, _CITY, _FACILITY, _ZIP, _AGE = C.NAME, C.UNKNOWN, C.CITY, C.FACILITY, C.ZIP, C.AGE
_NAME_UNKNOWN_FACILITY = (_NAME, _UNKNOWN, _FACILITY)
_CITY_UNKNOWN = (_CITY, _UNKNOWN)
_CATEGORY = itemgetter(2)  # a span's category

__all__ = ["FACILITY_WORDS", "Tokens", "ages_after_names", "facilities", "grow_names", "grow_saints", "grow_towns",
           "given_names_after_comma", "honorifics", "nicknames_after_names", "same_names", "town_phrases",
           "zips_after_towns"]

_PARTICLES = frozenset("""
van von der den de del della di da dos das du la le el al bin ibn ben nic ni mac mc ap ab st ter ten te ó ua
""".split())
# Place words that make a facility's run proper even in lower case ("valley urology assoc").
_PLACE_WORDS = frozenset("""
valley ridge creek lake lakes mountain mtn mount mt hill hills park river springs falls heights glen grove
oaks oak pines meadow meadows view point summit harbor harbour bay north south east west northeast
northwest southeast southwest northern southern eastern western northeastern northwestern southeastern
southwestern st saint riverside lakeside hillside
highland highlands woods forest brook fork manor
""".split())
_FACILITY_JOINS = frozenset(("of", "at", "&", "and", "the"))
_FIRM_KIN = frozenset(("sons", "son", "daughters", "brothers", "bros", "sisters"))
_INITIAL_GAP = re.compile(r"\.[ \t]{1,2}")
_POSSESSIVE_AFTER = re.compile(r"['’]s(?![\w])")
_DIRECTION_AFTER = re.compile(r"[ \t]+(?:north|south|east|west)(?![\w])")
_DIGIT = re.compile(r"\d")
_MODAL_NAMES = frozenset(("will", "may"))
# Heads that make three or more facility words an institution's name even where there is no case
# to read ("community regional medical center"), unlike "home health care".
_INSTITUTION_HEADS = frozenset("hospital medical center centre regional memorial general university infirmary".split())
# Facility words too common to start a run on their own: they only join one ("Gillespie Veterans Home").
_FACILITY_WEAK = frozenset("""
home homes care family health state county community group services living senior sports day medicine
urgent assisted imaging endoscopy dermatology neurology cardiology oncology hepatology nephrology
gastroenterology orthopaedics orthopedics pulmonary renal heart eye liver kidney cancer dialysis surgical
surgery medical pediatrics peds urology counseling treatment specialists midwifery nurses nursing tribal
children's women's womens childrens memorial general regional state daycare bldg building arts tower
pavilion annex plaza professional offices house inn motel hotel lodge shelter infusion club pantry mission
ministries army bank
residence residences commons terrace estates village vna funeral drug drugs school schools elementary academy
college preschool childcare montessori dental dentistry lab labs laboratory laboratories taxi cab freight
trucking logistics transport transit plastics processing manufacturing industries tile interpreting shelf
assembly church chapel temple mosque synagogue parish tabernacle cathedral ems inc llc corp company
fire police pd dept department ambulance savings
market markets store shop bakery restaurant diner garage salon dorm
""".split())
#: Words that make a run of words a facility's name ("Lake Edward General Hospital", "Wyoming
#: Valley Family Practice", "little oaks peds"): the heads, the weak words, and the strong
#: words below (a strong word starts a run on its own).
FACILITY_WORDS = FACILITY_HEADS | (_FACILITY_WEAK - {"day"}) | frozenset("""
practice pharmacy assoc associates partners program programme supply supplies university veterans villa
gardens walk-in mortuary
""".split())


class Tokens:
    """A text's word tokens (sorted, disjoint spans), with lookups from a start or end offset."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.spans = spans

    def at_start(self, start: int) -> int | None:
        """The index of the token that starts at ``start``, or None."""
        i = bisect_left(self.spans, (start,))
        return i if i < len(self.spans) and self.spans[i][0] == start else None

    def at_end(self, end: int) -> int | None:
        """The index of the token that ends at ``end``, or None."""
        i = bisect_left(self.spans, (end,)) - 1  # the last token that starts before ``end``
        return i if i >= 0 and self.spans[i][1] == end else None

    def starts_within(self, spans: list[tuple[int, int]]) -> set[int]:
        """The starts of the tokens that overlap any of ``spans``."""
        # The tokens are disjoint and not empty, so the first token that ends after ``a`` is the
        # first that starts at or after it, or the one before that if it runs past ``a``: two
        # reads where a list of every token's end would cost a pass over all of them per call.
        toks = self.spans
        n = len(toks)
        found: set[int] = set()
        for a, b in spans:
            i = bisect_left(toks, (a,))  # the first token that starts at or after ``a``
            if i and toks[i - 1][1] > a:
                i -= 1
            while i < n and toks[i][0] < b:
                found.add(toks[i][0])
                i += 1
        return found


def grow_names(text: str, low: str, tokens: Tokens, spans: list[tuple[int, int, C]],
                mixed_case: bool, lists: WordLists, out: list[Detection]) -> None:
    """Extend person-name spans over adjacent name words, particles and initials ("Hope
    Ekwueme", "VAN DER HEIJDEN", "Piripi Te Awe", "K. Kanagaratnam", "Faith Nakamya-Hill"): a
    name word joins when it is shaped like a name here (Title Case in mixed-case text; any name
    word where there is no case to read) or no list calls it safe, and a word outside the
    common vocabulary always joins."""
    todo = [(s, e) for s, e, category in spans if category is _NAME or category is _UNKNOWN]
    if not todo:  # nothing to grow (the loop below reads no other span)
        return
    names = name_words()
    toks = tokens.spans
    taken = {(s, e) for s, e, _ in spans}

    def joins(i: int) -> bool:
        s, e = toks[i]
        word = low[s:e]
        if (s, e) in taken or word in NEVER_NAMES:
            return False
        if word in CUE_WORDS:  # "Beverly Page 610-555-0145", not "Beverly page me"
            return word in names and (i + 1 == len(toks) or not low[toks[i + 1][0]].isalpha())
        if word in _PARTICLES or word not in VOCAB and word.isalpha() and len(word) > 1:
            return True
        if word in VOCAB and word not in names:
            return False
        shaped = text[s].isupper() if mixed_case else True  # no case to read: any name word joins
        return word in names and (shaped or word not in lists.allow)

    def modal_name(i: int) -> bool:  # "navigator Will Okonkwo-Reyes": a modal verb is never followed by a name
        s, e = toks[i]
        return low[s:e] in _MODAL_NAMES and (not mixed_case or text[s].isupper()) and (s, e) not in taken

    def initial(i: int) -> bool:  # "K. Kanagaratnam": one letter and a dot before the name
        s, e = toks[i]
        return e - s == 1 and low[s].isalpha() and _INITIAL_GAP.fullmatch(low, e, toks[i + 1][0]) is not None

    for s, e in todo:
        i = tokens.at_start(s)
        while i is not None and i > 0 and (tokens_between(low, toks[i - 1][1], toks[i][0])
                                           and (joins(i - 1) or modal_name(i - 1)) or initial(i - 1)):
            i -= 1
            out.append(Detection(toks[i][0], toks[i][1], _NAME, "allow.name_joined"))
        j = tokens.at_end(e)
        while j is not None and j + 1 < len(toks) and tokens_between(low, toks[j][1], toks[j + 1][0]) \
                and joins(j + 1):
            word = low[toks[j + 1][0]:toks[j + 1][1]]
            if word in _PARTICLES and not (j + 2 < len(toks) and tokens_between(low, toks[j + 1][1], toks[j + 2][0])
                                           and joins(j + 2)):
                break  # a particle joins only what follows it ("Te Awe"), never ends a name
            j += 1
            out.append(Detection(toks[j][0], toks[j][1], _NAME, "allow.name_joined"))


_HONORIFIC_DOT = re.compile(r"(?<![\w])(?:dr|mr|mrs|ms|mx|miss|prof)\.[ \t]+([^\W\d_]+(?:['’-][^\W\d_]+)*)")
_HONORIFICS = frozenset(("dr", "mr", "mrs", "ms", "mx", "miss", "prof"))


# A dot right after an honorific's letters (the fast search runs from one dot to the next).
_DOT_AFTER_HONORIFIC = re.compile(r"\.(?:(?<=(?:dr|mr|ms|mx)\.)|(?<=mrs\.)|(?<=(?:miss|prof)\.))")


def _honorifics_with_dots(low: str) -> list[re.Match[str]]:
    """The matches of ``_HONORIFIC_DOT`` in ``low``, found from its dots: a match is the
    honorific that ends at one, so only the few words before each dot are tried (a scan of
    every position costs more than the whole check). Only the dots that some honorific's
    letters come right before can end one, and those are what ``_DOT_AFTER_HONORIFIC`` finds."""
    found = []
    for dot in _DOT_AFTER_HONORIFIC.finditer(low):
        at = dot.start()
        for size in (2, 3, 4):
            if at >= size and low[at - size:at] in _HONORIFICS:
                m = _HONORIFIC_DOT.match(low, at - size)
                if m is not None:
                    found.append(m)
                    break
    return found


def honorifics(low: str, spans: list[tuple[int, int]], out: list[Detection]) -> None:
    """The word after an honorific with its dot ("ms. daybreak", "DR. WINTER") is a name, in
    any case, unless it is a function, clinical or cue word ("dr. office" stays)."""
    for m in _honorifics_with_dots(low):
        word = m.group(1)
        s, e = m.span(1)
        if word in NEVER_NAMES or word in CLINICAL or word in CUE_WORDS or len(word) < 2:
            continue
        if not any(a < e and s < b for a, b in spans):
            out.append(Detection(s, e, _NAME, "allow.honorific"))


def same_names(low: str, spans: list[tuple[int, int, C]], out: list[Detection]) -> None:
    """Every other occurrence, in this text, of a word already found as a person's name ("husband
    Bill ... Bill tearful", "Bill's"): a text names the same person the same way throughout."""
    words = {low[s:e] for s, e, c in spans if c is _NAME and e - s > 2}
    words = {w for w in words if w.isalpha() and w not in NEVER_NAMES and w not in CLINICAL and w not in CUE_WORDS}
    if not words:
        return
    taken = {(s, e) for s, e, _ in spans}
    whole: list[tuple[int, str]] = []  # tokens that are the word
    before_apostrophe: list[tuple[int, str]] = []  # tokens that start with the word and an apostrophe: "bill's"
    for word in words:  # a few words, found with str.find rather than by walking every token
        at = low.find(word)
        while at != -1:
            end = at + len(word)
            if token_starts(low, at) and not is_word_char(low, end):
                (before_apostrophe if low[end:end + 1] in ("'", "’") and is_word_char(low, end + 1)
                 else whole).append((at, word))
            at = low.find(word, at + 1)
    for s, word in sorted(whole) + sorted(before_apostrophe):
        e = s + len(word)
        # most finds are the found names themselves: the exact span is asked before any overlap
        if (s, e) not in taken and not any(a < e and s < b for a, b in taken):
            out.append(Detection(s, e, _NAME, "allow.same_name"))



# What makes a number from 90 to 119 right after a person's name their age: "(97)", ", 102," or
# "is 96," ("pt Clementine Achterberg is 102, lives at ..."), with nothing after it that makes it a
# measurement.
_AGE_AFTER_NAME = re.compile(
    r"(?:[ \t]*\([ \t]*|[ \t]*,[ \t]*|[ \t]+(?:is|was|who[ \t]+is|turned|turns|aged?)(?:[ \t]+(?:now|actually|almost"
    r"|nearly|just|really))?[ \t]+)(9\d|1[01]\d)(?![\w%]|[.,]\d|[ \t]*(?:/|%|-[ \t]*\d|mmhg|bpm|kg|lbs?|mg|f\b|c\b))"
    r"(?=[ \t]*(?:[),;.:]|\r?\n|\Z|y|years|and|per|lives|living|from|at|in|w/|with))",
    re.IGNORECASE)


_AGE_NUMBER = re.compile(r"9\d|1[01]\d")  # what every match of _AGE_AFTER_NAME holds (its group)


_NICKNAME_AFTER = re.compile(r"[ \t]*[(,]?[ \t]*[\"“'‘]([A-Za-z][A-Za-z.\-]{0,15})[\"”'’][ \t]*\)?")


def nicknames_after_names(text: str, spans: list[tuple[int, int, C]], out: list[Detection]) -> None:
    """A quoted nickname right after a person's name: 'Garnet Stroud ("Buddy")', 'Jaylen
    Worthy ("JJ")'."""
    if '"' not in text and "“" not in text and "'" not in text and "‘" not in text:
        return  # every match holds an opening quote before the nickname
    for _, e, category in spans:
        if category is _NAME or category is _UNKNOWN:
            m = _NICKNAME_AFTER.match(text, e)
            if m is not None:
                out.append(Detection(m.start(1), m.end(1), _NAME, "allow.nickname"))


_COMMA_WORD = re.compile(r",[ \t]*([A-Za-z][A-Za-z'’]*(?:-[A-Za-z][A-Za-z'’]*)?)(?![\w'’-])")


def given_names_after_comma(text: str, low: str, spans: list[tuple[int, int, C]], mixed_case: bool,
                            out: list[Detection]) -> None:
    """The given name of a "SURNAME, GIVEN" name ("RAFFERTY, CHRISTIAN", "PAK, SOON-BOK"): a first
    name after a found surname and a comma, or, in mixed-case text, a word in capitals no
    vocabulary knows after a surname in capitals."""
    if "," not in text:
        return  # every match starts with a comma
    for s, e, category in spans:
        if category is not _NAME and category is not _UNKNOWN or text[e:e + 1] != ",":
            continue  # (the comma right at the end of the name, where the match starts)
        m = _COMMA_WORD.match(text, e)
        if m is None:
            continue
        word = low[m.start(1):m.end(1)]
        if word in CUE_WORDS or word in NEVER_NAMES or word in HEADER_WORDS or word in CLINICAL:
            continue
        shaped = mixed_case and text[s:e].isupper() and m.group(1).isupper() and len(word) > 2 \
            and all(part not in VOCAB for part in word.split("-"))
        if word in FIRST_NAMES or shaped:
            out.append(Detection(m.start(1), m.end(1), _NAME, "allow.given_name"))


_ZIP_AFTER = re.compile(r"[ \t]*,?[ \t]+(\d{5}(?:-\d{4})?)(?![\w\-]|[.,/]\d)")


def zips_after_towns(text: str, spans: list[tuple[int, int, C]], out: list[Detection]) -> None:
    """A ZIP code right after a found town ("st. paul 55130", "Mesilla, 88046")."""
    for _, e, category in spans:
        if category is _CITY:
            m = _ZIP_AFTER.match(text, e)
            if m is not None:
                out.append(Detection(m.start(1), m.end(1), _ZIP, "allow.zip_after_town"))


def ages_after_names(text: str, spans: list[tuple[int, int, C]], out: list[Detection]) -> None:
    """An age over 89 written right after a person's name without an age word ("Miren Etxeberria
    (97)", "pt Erzsébet Pálfalvi is 96, baseline A&Ox1")."""
    if _AGE_NUMBER.search(text) is None:
        return  # no number an age over 89 can be
    for _, e, category in spans:
        if category is _NAME or category is _UNKNOWN:
            m = _AGE_AFTER_NAME.match(text, e)
            if m is not None:
                out.append(Detection(m.start(1), m.end(1), _AGE, "allow.age_after_name"))


def grow_saints(low: str, spans: list[tuple[int, int, C]], out: list[Detection]) -> None:
    """A name after a saint's prefix is a facility with its prefix and possessive ("ST. BRIGID'S",
    "Saint Anselm's", "st. mary's villa" is grown further by the facility runs)."""
    # Every prefix saint_start moves over is "st.", "mt.", "saint" or "mount" (it reads them
    # reversed): a text with none of them has no find that starts after one.
    prefixed = "st." in low or "mt." in low or "saint" in low or "mount" in low
    for s, e, category in spans:
        if category not in _NAME_UNKNOWN_FACILITY:
            continue
        lo = saint_start(low, s) if prefixed else s
        tail = _POSSESSIVE_AFTER.match(low, e) if low[e:e + 1] in ("'", "’") else None
        hi = tail.end() if tail else e
        if lo != s or (hi != e and category is _FACILITY):
            out.append(Detection(lo, hi, _FACILITY, "allow.saint"))
        if category is _FACILITY or lo != s:  # "Mount Carmel East"
            side = _DIRECTION_AFTER.match(low, hi)
            if side is not None:
                out.append(Detection(lo, side.end(), _FACILITY, "allow.facility_side"))


def facilities(text: str, low: str, toks: list[tuple[int, int]], words_at: list[str], unknown_at: set[int],
               mixed_case: bool, out: list[Detection]) -> None:
    """Named facilities as runs of words around a facility word ("Wyoming Valley Family Practice",
    "little oaks peds", "clarks summit state hospital"): a run needs a facility word and a
    proper word (unknown, Title Case in mixed-case text, or a place word)."""
    n, after = len(toks), 0
    for i in compress(count(), map(FACILITY_WORDS.__contains__, words_at)):  # a scan in C, no loop per token
        s, e = toks[i]
        word = words_at[i]
        if i > 0 and word in _FACILITY_WEAK and _proper_name_word(text, toks[i - 1], words_at[i - 1], mixed_case):
            unknown_at.add(toks[i - 1][0])  # "Lakeshore General", even at the head of a line
        if i > 1 and word in _FACILITY_WEAK and toks[i - 2][0] in unknown_at \
                and (_fac_word(text, low, toks[i - 1], unknown_at, mixed_case, inner=True)
                     or _lower_between(text, low, toks[i - 2], toks[i - 1], toks[i])) \
                and tokens_between(low, toks[i - 2][1], toks[i - 1][0]):
            unknown_at.add(toks[i - 1][0])  # "chelsea soldiers home": a word between a proper one and the head
        if i < after or word in _FACILITY_WEAK and not (
                i > 0 and (toks[i - 1][0] in unknown_at or words_at[i - 1] in _PLACE_WORDS)
                and tokens_between(low, toks[i - 1][1], s)):
            continue  # a weak facility word starts a run only right after a found, unknown, place or proper word
        lo = hi = i
        while lo > 0 and tokens_between(low, toks[lo - 1][1], toks[lo][0]) and _fac_word(text, low, toks[lo - 1],
                                                                                         unknown_at, mixed_case):
            lo -= 1
        while hi + 1 < n and tokens_between(low, toks[hi][1], toks[hi + 1][0]) and (
                _fac_word(text, low, toks[hi + 1], unknown_at, mixed_case, inner=True)
                or _after_of(text, low, toks, hi + 1, mixed_case)):
            hi += 1
        while hi > lo and low[toks[hi][0]:toks[hi][1]] in _FACILITY_JOINS:
            hi -= 1
        while lo < hi and low[toks[lo][0]:toks[lo][1]] in _FACILITY_JOINS:
            lo += 1
        run = range(lo, hi + 1)
        proper = any(toks[k][0] in unknown_at or low[toks[k][0]:toks[k][1]] in _PLACE_WORDS
                     or _proper_shape(text, low, toks[k], mixed_case) for k in run) \
            or not mixed_case and any(words_at[k] in _INSTITUTION_HEADS for k in run) \
            and sum(words_at[k] not in _FACILITY_JOINS and words_at[k] not in CARE_SETTINGS for k in run) >= 3
        generic = all(low[toks[k][0]:toks[k][1]] in CARE_SETTINGS for k in run)
        header = low[toks[hi][1]:toks[hi][1] + 2].lstrip(" \t")[:1] == ":"
        if proper and not generic and not header and hi > lo:
            out.append(Detection(toks[lo][0], toks[hi][1], _FACILITY, "allow.facility_name"))
        after = hi + 1


def _lower_between(text: str, low: str, first: tuple[int, int], middle: tuple[int, int],
                   head: tuple[int, int]) -> bool:
    """Whether a word between a proper word and a facility's head is part of a name written all
    in lower case inside a note that has case ("bib ems from harbor light shelter")."""
    word = low[middle[0]:middle[1]]
    return text[first[0]:head[1]].islower() and word not in CUE_WORDS and word not in NEVER_NAMES \
        and word not in HEADER_WORDS and word not in CLINICAL and word not in CARE_SETTINGS


def _proper_name_word(text: str, tok: tuple[int, int], word: str, mixed_case: bool) -> bool:
    """Whether a word outside the common vocabulary that names people or towns is used as a proper
    word here ("Lakeshore General", "birchwood manor"): what a weak facility word may follow."""
    return word not in VOCAB and (word in name_words() or word in town_names()[0]) \
        and (text[tok[0]].isupper() or not mixed_case)


def _after_of(text: str, low: str, toks: list[tuple[int, int]], k: int, mixed_case: bool) -> bool:
    """Whether word ``k`` is the name in a facility's "... of (the) <name>" ("Hospice of the
    Western Reserve"): after "of" or "of the", no function, clinical or care-setting word, and
    Title Case where the text has case ("Wound Clinic of wound care" ends at "Clinic")."""
    word = low[toks[k][0]:toks[k][1]]
    before = [low[a:b] for a, b in toks[max(0, k - 3):k]]
    return "of" in before[-3:] and word not in NEVER_NAMES and word not in CLINICAL and word not in CUE_WORDS \
        and word not in CARE_SETTINGS and (not mixed_case or text[toks[k][0]].isupper())


def _fac_word(text: str, low: str, tok: tuple[int, int], unknown_at: set[int], mixed_case: bool,
              inner: bool = False) -> bool:
    word = low[tok[0]:tok[1]]
    if word in FACILITY_WORDS or word in _PLACE_WORDS:
        return True
    if _DIGIT.search(word) or len(word) < 2:
        return False  # "urgent care 8/14", "NURSING HOME S/P FALL": a number or a letter is not part of it
    if tok[0] in unknown_at:
        return True
    if word in _FIRM_KIN and low[max(0, tok[0] - 5):tok[0]].rstrip(" \t").endswith(("&", " and")):
        return True  # "Kurohashi & Sons Mortuary": a firm's name, not a relative
    if inner and word in _FACILITY_JOINS:
        return True
    if word in _FACILITY_JOINS or word in CUE_WORDS or word in HEADER_WORDS or word in NEVER_NAMES \
            or word in CARE_SETTINGS:
        return False  # "the wound center and the ICU" is two places
    # mixed case: a Title Case word or one no vocabulary knows; no case to read: any word a Title
    # Case one could be, so that lowering or raising a note's case never loses what it found
    return text[tok[0]].isupper() or word not in VOCAB if mixed_case else True


def _proper_shape(text: str, low: str, tok: tuple[int, int], mixed_case: bool) -> bool:
    """Whether a word can be part of a facility's proper name: in mixed-case text, Title Case and
    not a clinical or cue word, or a short initialism no vocabulary knows ("NEPA", "MGH"); in
    text with no case to read, any word that could be either."""
    word = low[tok[0]:tok[1]]
    if word in _FACILITY_JOINS or word in CUE_WORDS or len(word) < 2 or word in HEADER_WORDS:
        return False
    if not mixed_case:
        return word not in CLINICAL and word not in NEVER_NAMES and word not in CARE_SETTINGS \
            and word not in FACILITY_WORDS
    if not text[tok[0]].isupper() or sentence_start(text, tok[0]):
        return False
    if text[tok[0]:tok[1]].isupper():
        return len(word) <= 5 and word not in VOCAB
    return word not in CLINICAL


_TOWN_PREFIXES = frozenset("""
new old port fort ft mount mt lake west east north south upper lower glen san santa el la saint st little big
""".split())
_TOWN_SUFFIXES = frozenset("""
junction jct hollow falls springs city heights village township twp harbor harbour beach park hills valley creek
ridge crossing mills corners landing station forge grove bluff
""".split())


_PLACE_THEN_WORDS = re.compile(r"\b(?:in|from|to|near|of|at|home,?)[ \t]+(?=([a-z][a-z'’.]*)[ \t]+([a-z][a-z'’.]*)"
                               r"(?:[ \t]+([a-z][a-z'’.]*))?)")
_PLACE_BEFORE_TOWN = frozenset(("in", "from", "to", "near", "of", "at", "home"))  # the words it starts with
_TOWN_WORD = re.compile(r"[a-z][a-z'’.]*")  # what its first group can be
_APOSTROPHES = re.compile(r"['’]")


@lru_cache(maxsize=8)
def _first_words(phrases: frozenset[str]) -> frozenset[str]:
    """The first word of each phrase: no town phrase can start with any other word."""
    return frozenset(p.split(" ", 1)[0] for p in phrases)


@lru_cache(maxsize=8)
def _first_heads(phrases: frozenset[str]) -> frozenset[str]:
    """The letters before any apostrophe or dot of each first word ``_PLACE_THEN_WORDS`` can
    capture: the first ``\\w`` run of the token a captured first word starts."""
    return frozenset(re.match(r"[a-z]+", w).group() for w in _first_words(phrases) if _TOWN_WORD.fullmatch(w))


def town_phrases(low: str, toks: list[tuple[int, int]], words_at: list[str], lists: WordLists,
                 out: list[Detection]) -> None:
    """Towns of two or three words after a place word ("lives in window rock", "from mountain
    top", "at old forge"), looked up in the town list. ``toks`` are the text's word tokens
    (``\\w+(?:['’]\\w+)*``) and ``words_at`` their words."""
    firsts = _first_words(lists.town_phrases)
    heads = _first_heads(lists.town_phrases)
    # Where ``_PLACE_THEN_WORDS`` matches, its place word is a token's last apostrophe-joined part
    # (a word boundary before it, a blank or "," after it), and the next token starts its first
    # group, whose first letters run is that token's first part. So only those places are tried,
    # with ``match`` at the place word: the same matches, in the same order, as ``finditer``.
    quoted = "'" in low or "’" in low
    # The place words' tokens, by a scan in C (map and compress) rather than a bytecode loop per
    # token. With no apostrophe, the scan also asks the loop's first test: that the next token is
    # a first word's head (the pairs stop at the last token, which the loop skips).
    if not quoted:
        at = compress(count(), map(and_, map(_PLACE_BEFORE_TOWN.__contains__, words_at),
                                   map(heads.__contains__, islice(words_at, 1, None))))
    else:  # and the few tokens with an apostrophe whose last part is a place word ("o'in")
        at = compress(count(), map(_PLACE_BEFORE_TOWN.__contains__, words_at))
        joined = [i for i in {*compress(count(), map(contains, words_at, repeat("'"))),
                              *compress(count(), map(contains, words_at, repeat("’")))}
                  if _APOSTROPHES.split(words_at[i])[-1] in _PLACE_BEFORE_TOWN]
        if joined:
            at = sorted([*at, *joined])
    last_token = len(toks) - 1
    for i in at:
        if i == last_token:
            continue
        following = words_at[i + 1]
        if (_APOSTROPHES.split(following, 1)[0] if quoted else following) not in heads:
            continue
        place = _APOSTROPHES.split(words_at[i])[-1] if quoted else words_at[i]
        m = _PLACE_THEN_WORDS.match(low, toks[i][1] - len(place))
        if m is None or m.group(1) not in firsts:
            continue
        for last in (3, 2):
            if m.group(last) is None:
                continue
            tail = m.group(last).rstrip(".")
            phrase = " ".join([*(m.group(k) for k in range(1, last)), tail])
            if phrase in lists.town_phrases:
                out.append(Detection(m.start(1), m.start(last) + len(tail), _CITY, "allow.town_phrase"))
                break


def grow_towns(low: str, tokens: Tokens, spans: list[tuple[int, int, C]], lists: WordLists,
                out: list[Detection]) -> None:
    """Extend town spans to the town name they are part of: a name of the town list ("west
    hazelton", "clarks summit"), or a town word with a place prefix or suffix ("New Bedford",
    "Fenwick Hollow")."""
    if _CITY not in map(_CATEGORY, spans) and _UNKNOWN not in map(_CATEGORY, spans):
        return  # (``in`` over the categories runs in C and tries identity first: they are members)
    toks = tokens.spans
    for s, e, category in spans:
        if category not in _CITY_UNKNOWN:
            continue
        i, j = tokens.at_start(s), tokens.at_end(e)
        if i is None or j is None:
            continue
        for a, b in ((i - 1, j), (i, j + 1), (i - 2, j), (i, j + 2), (i - 1, j + 1)):
            if 0 <= a and b < len(toks) and " ".join(low[x:y] for x, y in toks[a:b + 1]) in lists.town_phrases:
                out.append(Detection(toks[a][0], toks[b][1], _CITY, "allow.town_phrase"))
                break
        else:
            if i > 0 and low[toks[i - 1][0]:toks[i - 1][1]] in _TOWN_PREFIXES and tokens_between(
                    low, toks[i - 1][1], toks[i][0]):
                out.append(Detection(toks[i - 1][0], e, category, "allow.town_affix"))
            if j + 1 < len(toks) and low[toks[j + 1][0]:toks[j + 1][1]] in _TOWN_SUFFIXES and tokens_between(
                    low, toks[j][1], toks[j + 1][0]):
                out.append(Detection(s, toks[j + 1][1], category, "allow.town_affix"))


