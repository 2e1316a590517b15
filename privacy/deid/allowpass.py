"""The allow-list pass: after the detectors, every word nobody vouches for is PHI.

Named detectors find what they know the shape of; real notes hold names, towns and hospital
nicknames that no detector knows (``dr okafor``, ``lives in dunmore``, ``pt followed at sjh``).
So, recall first, as Philter does: a word token that no detector found is PHI unless

- it is in the allow-list of safe words (:mod:`privacy.deid.wordlists`: common English,
  medical vocabulary, a site's additions), matched whatever its case;
- it holds a digit (the number scan has already judged every digit-bearing token: a date,
  phone or identifier was found, anything else is a quantity or a code), or it is one letter;
- it is an eponym where it stands ("Stevens-Johnson syndrome", "Allen test").

Such a word gets a category from its context (:mod:`privacy.deid.cues`): a person after a
title, relation or naming phrase, or in Title Case inside mixed-case text, or next to a name;
a facility after a transfer phrase, a saint's prefix or before a facility head (``harlan
ew``); a town after ``lives in``; otherwise UNKNOWN (redacted, or a name-shaped surrogate).

Some safe words are identifiers in context, and the pass takes them too: a first or last name
of the name lexicon right after a person cue (``wife hope``, ``dr brown``), a rare word or
initialism after a facility cue (``REFERRED TO MGH``), a US town after ``lives in``, and
every entry of the site's deny list.

The cost is one regex tokenization and a set lookup per distinct word; positions are only
walked when some word needs a decision.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from privacy.deid.cues import (
    CARE_SETTINGS,
    CUE_WORDS,
    FACILITY_HEADS,
    NAME_TITLES,
    STRONG,
    WEAK,
    cue_before,
    facility_head_after,
    name_cue,
    saint_start,
)
from privacy.deid.detection import Detection
from privacy.deid.name_lexicon import COMMON_WORDS, NEVER_NAMES
from privacy.deid.protect import EPONYM_HEADS, PROTECTED_TERMS, is_eponym
from privacy.deid.wordlists import WordLists, name_words, town_names
from privacy.phi import PhiCategory as C

__all__ = ["allow_pass", "unknown_words"]

_TOKEN = re.compile(r"\w+(?:['’]\w+)*")
_CLITICS = frozenset(("s", "", "ve", "ll", "d", "re", "m", "t"))
# Inflections tried on a word no list has: (suffix, what may replace it).
_SUFFIXES = (("ies", ("y",)), ("ing", ("", "e")), ("ed", ("", "e")), ("es", ("", "e")), ("s", ("",)),
             ("ly", ("",)), ("ness", ("",)), ("ment", ("",)), ("er", ("", "e")), ("ers", ("", "e")))
# Spoken fillers and informal words of dictated and conversational text.
_SPOKEN = frozenset("""
um umm uh uhh uhm hmm hm mm mhm mmhmm uh-huh nah yeah yea yep yup nope ya gonna wanna gotta kinda sorta dunno
lemme gimme okay ok alright
""".split())
_DIGIT_OR_UNDERSCORE = re.compile(r"[\d_]")
_ROMAN = re.compile(r"(?:x{0,3})(?:ix|iv|v?i{0,3})")  # "ii", "xii": numbers, not words
_HYPHEN_TAIL = re.compile(r"(?:-\w+)+")
# Eponym heads, less those that also follow a person's name ("Brandvold cell#", "son-in-law").
_EPONYM_HEADS = EPONYM_HEADS - frozenset("""
cell line lines point position monitor monitoring mask sound sounds area space law exam examination
breathing index stage staging scale marie tooth
""".split())
_HEAD_AFTER = re.compile(r"(?:['’]s|s?['’])?[ \t]+([a-z]+)")
_PART_OF_BEFORE = re.compile(r"\b(?:circle|loop|sphincter|ampulla|tetralogy|islets?|pouch|canal|organ|ligament|bundle"
                             r"|crypts?|triangle|node|nodes|space)[ \t]+of[ \t]+\Z")
_SENTENCE_END = frozenset(".!?:;\n•*>-")
# Lower-case words that MedSum's own vocabulary knows: a word outside it after a facility cue
# is a facility even when philter's long list has it ("mgh").
_VOCAB = frozenset(w.lower() for w in COMMON_WORDS | PROTECTED_TERMS) | CARE_SETTINGS
_CLINICAL = frozenset(w.lower() for w in PROTECTED_TERMS)
_COMMON = frozenset(w.lower() for w in COMMON_WORDS)
# Title Case words of note headings and services: never part of a facility's own name.
_HEADER_WORDS = frozenset("""
department dept division section service services unit course summary discharge admission history physical
assessment plan report note notes progress consult consultation follow up followup procedure findings
impression exam examination results medications instructions diagnosis diagnoses disposition
""".split())
_TOWN_CUE = re.compile(r"\b(?:liv|resid|moved|reloc|home|native|originally|grew|born|near|town|city|village|from|in|to)\b")
_WEAK_PLACE_BEFORE = re.compile(r"\b(?:from|in|to|near)[ \t]+\Z")


def _lower(text: str) -> str:
    """``text`` lower-cased with its offsets kept (a character whose lower case is longer stays)."""
    low = text.lower()
    if len(low) != len(text):
        low = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)
    return low


def _safe(word: str, allow: frozenset[str]) -> bool:
    """Whether a lower-case word token needs no decision: safe, numeric, or one letter."""
    if word in allow or len(word) < 2 or _DIGIT_OR_UNDERSCORE.search(word) or _ROMAN.fullmatch(word):
        return True
    if word in _SPOKEN:
        return True
    if "'" in word or "’" in word:
        plain = word.replace("’", "'")
        base, _, tail = plain.partition("'")
        if plain.endswith("n't"):  # "don't", "couldn't"
            return plain[:-3] in allow or plain[:-3] in _SPOKEN or plain.replace("'", "") in allow
        return base in allow and tail in _CLITICS
    return _inflected(word, allow)


def _inflected(word: str, allow: frozenset[str]) -> bool:
    """Whether ``word`` is an inflection of a safe word ("darkening", "radiculopathies", "fists")
    and no name: a surname that looks inflected ("Banks", "Golding") stays unknown."""
    for suffix, replacements in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[:-len(suffix)]
            if any(stem + r in allow for r in replacements):
                return word not in name_words()
    return False


def unknown_words(text: str, lists: WordLists) -> list[tuple[int, int]]:
    """Where the words of ``text`` are that no allow-list knows and that are no eponym here: the
    residual scan's question, without the cues that only give such a word its category."""
    low = _lower(text)
    words = set(_TOKEN.findall(low))
    unknown = {w for w in words - lists.allow if not _safe(w, lists.allow)} | (words & lists.deny_words.keys())
    if not unknown:
        return []
    return [m.span() for m in _TOKEN.finditer(low)
            if m.group() in unknown and not _eponym_here(low, m.start(), m.end())]


def _covered(spans: list[tuple[int, int]], start: int, end: int, cursor: list[int]) -> bool:
    """Whether ``[start, end)`` overlaps one of ``spans`` (sorted; the cursor only moves on)."""
    i = cursor[0]
    while i < len(spans) and spans[i][1] <= start:
        i += 1
    cursor[0] = i
    return i < len(spans) and spans[i][0] < end


def _eponym_here(low: str, start: int, end: int) -> bool:
    """Whether the word at ``low[start:end]`` is used as an eponym here, alone or in a hyphenated
    chain: a listed eponym, a chain followed by a head word ("stevens-johnson syndrome", "allen
    test"), after "non-" or in an anatomical "<part> of <Name>" ("circle of willis")."""
    lo = start
    while lo > 1 and low[lo - 1] == "-" and low[lo - 2].isalpha():
        lo -= 2
        while lo > 0 and low[lo - 1].isalpha():
            lo -= 1
    tail = _HYPHEN_TAIL.match(low, end)
    hi = tail.end() if tail else end
    chain = low[lo:hi]
    if low[max(0, lo - 4):lo] == "non-" or is_eponym(chain) and _chain_of_eponyms(chain):
        return True
    head = _HEAD_AFTER.match(low, hi)
    if head is not None and (head.group(1) in _EPONYM_HEADS or head.group(1).rstrip("s") in _EPONYM_HEADS):
        return True
    part = _PART_OF_BEFORE.search(low, max(0, lo - 24), lo)
    return part is not None


def _chain_of_eponyms(chain: str) -> bool:
    """Whether every part of a hyphenated chain is an eponym or a short link ("roux-en-y"), so
    that a surname joined to one ("quiroga-bell") is not taken for an eponym."""
    return all(is_eponym(part) or len(part) < 3 for part in chain.split("-") if part)


def _sentence_start(text: str, start: int) -> bool:
    j = start - 1
    while j >= 0 and text[j] in " \t\"'(":
        j -= 1
    return j < 0 or text[j] in _SENTENCE_END


def _next_to_name(names: list[tuple[int, int]], text: str, start: int, end: int) -> bool:
    """Whether a NAME detection sits right before or after ``[start, end)``, one blank between."""
    for s, e in names:
        if 0 <= start - e <= 1 and text[e:start].strip() == "" or 0 <= s - end <= 1 and text[end:s].strip() == "":
            return True
    return False


def _category(text: str, low: str, start: int, end: int, mixed_case: bool, lists: WordLists,
              names: list[tuple[int, int]]) -> tuple[C, int, int, str]:
    """Category, span and rule for an unknown word at ``[start, end)``."""
    word = low[start:end]
    denied = lists.deny_words.get(word)
    if denied is not None and denied is not C.UNKNOWN:
        return denied, start, end, "allow.site_deny"
    cue = cue_before(low, start)
    head = facility_head_after(low, end)
    if cue is C.FACILITY or head is not None:
        return C.FACILITY, saint_start(low, start), head or end, "allow.facility"
    if cue is not None:
        return cue, start, end, f"allow.cue.{cue.value.lower()}"
    if mixed_case and text[start].isupper() and not text[start:end].isupper() and not _sentence_start(text, start):
        return C.NAME, start, end, "allow.name_shape"
    if names and _next_to_name(names, text, start, end):
        return C.NAME, start, end, "allow.next_to_name"
    if denied is not None:
        return denied, start, end, "allow.site_deny"
    return C.UNKNOWN, start, end, "allow.unknown"


def _deny_phrases(low: str, words: set[str], lists: WordLists, out: list[Detection]) -> None:
    """Every multi-word deny-list entry ("keane memorial") in the text."""
    for first in words & lists.deny_phrases.keys():
        for phrase, category in lists.deny_phrases[first]:
            pattern = re.compile(r"(?<![\w'])" + r"\W+".join(map(re.escape, phrase)) + r"(?![\w])")
            out.extend(Detection(m.start(), m.end(), category, "allow.site_deny") for m in pattern.finditer(low))


_PARTICLES = frozenset("""
van von der den de del della di da dos das du la le el al bin ibn ben nic ni mac mc ap ab st ter ten te ó ua
""".split())
_ROLE_AFTER = re.compile(r"(?:[ \t]*[,(][ \t]*(?:pa|pa-c|do|pt|ot|slp|sw|cm|rd|rt)|[ \t]*[,(]?[ \t]*(?:np|rn|md|lpn|cna"
                         r"|msw|lcsw|licsw|aprn|fnp|crna|pharmd|cnm))\b")
# Words that make a run of words a named facility ("... Family Practice", "... Treatment Ctr").
_FACILITY_WORDS = FACILITY_HEADS | frozenset("""
practice pharmacy pediatrics peds urology counseling assoc associates group partners services center villa
lodge gardens home homes nursing veterans family community treatment health state county university
children's women's womens childrens medical memorial surgical surgery specialists care imaging endoscopy
centre program programme partners supply supplies midwifery living nurses medicine orthopaedics orthopedics
dermatology neurology cardiology oncology hepatology nephrology gastroenterology pulmonary renal heart eye
liver kidney cancer sports senior dialysis daycare urgent assisted tribal walk-in bldg building arts tower
pavilion annex plaza professional offices
""".split())
# Place words that make a facility's run proper even in lower case ("valley urology assoc").
_PLACE_WORDS = frozenset("""
valley ridge creek lake lakes mountain mtn mount mt hill hills park river springs falls heights glen grove
oaks oak pines meadow meadows view point summit harbor harbour bay north south east west northeast
northwest southeast southwest northern southern eastern western st saint riverside lakeside hillside
highland highlands woods forest brook fork manor
""".split())
_FACILITY_JOINS = frozenset(("of", "at", "&", "and", "the"))
_GROWING = frozenset((C.NAME, C.UNKNOWN, C.CITY, C.FACILITY))
_INITIAL_GAP = re.compile(r"\.[ \t]{1,2}")
_POSSESSIVE_AFTER = re.compile(r"['’]s(?![\w])")
_DIRECTION_AFTER = re.compile(r"[ \t]+(?:north|south|east|west)(?![\w])")
# Facility words too common to start a run on their own: they only join one ("Gillespie Veterans Home").
_FACILITY_WEAK = frozenset("""
home homes care family health state county community group services living senior sports day medicine
urgent assisted imaging endoscopy dermatology neurology cardiology oncology hepatology nephrology
gastroenterology orthopaedics orthopedics pulmonary renal heart eye liver kidney cancer dialysis surgical
surgery medical pediatrics peds urology counseling treatment specialists midwifery nurses nursing tribal
children's women's womens childrens memorial general regional state daycare bldg building arts tower
pavilion annex plaza professional offices
""".split())


def _tokens_between(low: str, end: int, start: int) -> bool:
    """Whether only blanks (or one hyphen or ampersand) lie between ``end`` and ``start``."""
    gap = low[end:start]
    return len(gap) <= 3 and gap.strip(" \t-&") == ""


def _grow_names(text: str, low: str, toks: list[tuple[int, int]], spans: list[tuple[int, int, C]],
                mixed_case: bool, lists: WordLists, out: list[Detection]) -> None:
    """Extend person-name spans over adjacent name words, particles and initials ("Hope
    Ekwueme", "VAN DER HEIJDEN", "Piripi Te Awe", "K. Kanagaratnam", "Faith Nakamya-Hill"): a
    name word joins when it is shaped like a name here (Title Case in mixed-case text; any name
    word where there is no case to read) or no list calls it safe, and a word outside the
    common vocabulary always joins."""
    names = name_words()
    starts = {s: i for i, (s, _) in enumerate(toks)}
    ends = {e: i for i, (_, e) in enumerate(toks)}
    taken = {(s, e) for s, e, _ in spans}

    def joins(i: int) -> bool:
        s, e = toks[i]
        word = low[s:e]
        if (s, e) in taken or word in NEVER_NAMES:
            return False
        if word in CUE_WORDS:  # "Beverly Page 610-555-0145", not "Beverly page me"
            return word in names and (i + 1 == len(toks) or not low[toks[i + 1][0]].isalpha())
        if word in _PARTICLES or word not in _VOCAB and word.isalpha() and len(word) > 1:
            return True
        if word in _VOCAB and word not in names:
            return False
        shaped = text[s].isupper() if mixed_case else True  # no case to read: any name word joins
        return word in names and (shaped or word not in lists.allow)

    def initial(i: int) -> bool:  # "K. Kanagaratnam": one letter and a dot before the name
        s, e = toks[i]
        return e - s == 1 and low[s].isalpha() and _INITIAL_GAP.fullmatch(low, e, toks[i + 1][0]) is not None

    for s, e, category in spans:
        if category not in (C.NAME, C.UNKNOWN):
            continue
        i = starts.get(s)
        while i is not None and i > 0 and (_tokens_between(low, toks[i - 1][1], toks[i][0]) and joins(i - 1)
                                           or initial(i - 1)):
            i -= 1
            out.append(Detection(toks[i][0], toks[i][1], C.NAME, "allow.name_joined"))
        j = ends.get(e)
        while j is not None and j + 1 < len(toks) and _tokens_between(low, toks[j][1], toks[j + 1][0]) \
                and joins(j + 1):
            word = low[toks[j + 1][0]:toks[j + 1][1]]
            if word in _PARTICLES and not (j + 2 < len(toks) and _tokens_between(low, toks[j + 1][1], toks[j + 2][0])
                                           and joins(j + 2)):
                break  # a particle joins only what follows it ("Te Awe"), never ends a name
            j += 1
            out.append(Detection(toks[j][0], toks[j][1], C.NAME, "allow.name_joined"))


_HONORIFIC_DOT = re.compile(r"(?<![\w])(?:dr|mr|mrs|ms|mx|miss|prof)\.[ \t]+([^\W\d_]+(?:['’-][^\W\d_]+)*)")


def _honorifics(low: str, spans: list[tuple[int, int]], out: list[Detection]) -> None:
    """The word after an honorific with its dot ("ms. daybreak", "DR. WINTER") is a name, in
    any case, unless it is a function, clinical or cue word ("dr. office" stays)."""
    for m in _HONORIFIC_DOT.finditer(low):
        word = m.group(1)
        s, e = m.span(1)
        if word in NEVER_NAMES or word in _CLINICAL or word in CUE_WORDS or len(word) < 2:
            continue
        if not any(a < e and s < b for a, b in spans):
            out.append(Detection(s, e, C.NAME, "allow.honorific"))


def _same_names(low: str, spans: list[tuple[int, int, C]], out: list[Detection]) -> None:
    """Every other occurrence, in this text, of a word already found as a person's name ("husband
    Bill ... Bill tearful"): a text names the same person the same way throughout."""
    words = {low[s:e] for s, e, c in spans if c is C.NAME and e - s > 2}
    words = {w for w in words if w.isalpha() and w not in NEVER_NAMES and w not in _CLINICAL and w not in CUE_WORDS}
    if not words:
        return
    pattern = re.compile(r"(?<![\w'’])(?:" + "|".join(map(re.escape, sorted(words, key=len, reverse=True)))
                         + r")(?![\w])")
    taken = sorted((s, e) for s, e, _ in spans)
    for m in pattern.finditer(low):
        if not any(a < m.end() and m.start() < b for a, b in taken):
            out.append(Detection(m.start(), m.end(), C.NAME, "allow.same_name"))


def _grow_saints(low: str, spans: list[tuple[int, int, C]], out: list[Detection]) -> None:
    """A name after a saint's prefix is a facility with its prefix and possessive ("ST. BRIGID'S",
    "Saint Anselm's", "st. mary's villa" is grown further by the facility runs)."""
    for s, e, category in spans:
        if category not in (C.NAME, C.UNKNOWN, C.FACILITY):
            continue
        lo = saint_start(low, s)
        tail = _POSSESSIVE_AFTER.match(low, e)
        hi = tail.end() if tail else e
        if lo != s or (hi != e and category is C.FACILITY):
            out.append(Detection(lo, hi, C.FACILITY, "allow.saint"))
        if category is C.FACILITY or lo != s:  # "Mount Carmel East"
            side = _DIRECTION_AFTER.match(low, hi)
            if side is not None:
                out.append(Detection(lo, side.end(), C.FACILITY, "allow.facility_side"))


def _facilities(text: str, low: str, toks: list[tuple[int, int]], unknown_at: set[int], mixed_case: bool,
                out: list[Detection]) -> None:
    """Named facilities as runs of words around a facility word ("Wyoming Valley Family Practice",
    "little oaks peds", "clarks summit state hospital"): a run needs a facility word and a
    proper word (unknown, Title Case in mixed-case text, or a place word)."""
    i, n = 0, len(toks)
    while i < n:
        s, e = toks[i]
        word = low[s:e]
        if word not in _FACILITY_WORDS or word in _FACILITY_WEAK and not (
                i > 0 and toks[i - 1][0] in unknown_at and _tokens_between(low, toks[i - 1][1], s)):
            i += 1  # a weak facility word starts a run only right after a found or unknown word
            continue
        lo = hi = i
        while lo > 0 and _tokens_between(low, toks[lo - 1][1], toks[lo][0]) and _fac_word(text, low, toks[lo - 1],
                                                                                         unknown_at, mixed_case):
            lo -= 1
        while hi + 1 < n and _tokens_between(low, toks[hi][1], toks[hi + 1][0]) and (_fac_word(
                text, low, toks[hi + 1], unknown_at, mixed_case, inner=True) or _after_of(low, toks, hi + 1)):
            hi += 1
        while hi > lo and low[toks[hi][0]:toks[hi][1]] in _FACILITY_JOINS:
            hi -= 1
        while lo < hi and low[toks[lo][0]:toks[lo][1]] in _FACILITY_JOINS:
            lo += 1
        run = range(lo, hi + 1)
        proper = any(toks[k][0] in unknown_at or low[toks[k][0]:toks[k][1]] in _PLACE_WORDS
                     or _proper_shape(text, low, toks[k], mixed_case) for k in run)
        generic = all(low[toks[k][0]:toks[k][1]] in CARE_SETTINGS for k in run)
        header = low[toks[hi][1]:toks[hi][1] + 2].lstrip(" \t")[:1] == ":"
        if proper and not generic and not header and hi > lo:
            out.append(Detection(toks[lo][0], toks[hi][1], C.FACILITY, "allow.facility_name"))
        i = hi + 1


def _after_of(low: str, toks: list[tuple[int, int]], k: int) -> bool:
    """Whether word ``k`` is the name in a facility's "... of (the) <name>" ("Hospice of the
    Western Reserve"): after "of" or "of the" and no function or clinical word."""
    word = low[toks[k][0]:toks[k][1]]
    before = [low[a:b] for a, b in toks[max(0, k - 3):k]]
    return "of" in before[-3:] and word not in NEVER_NAMES and word not in _CLINICAL and word not in CUE_WORDS


def _fac_word(text: str, low: str, tok: tuple[int, int], unknown_at: set[int], mixed_case: bool,
              inner: bool = False) -> bool:
    word = low[tok[0]:tok[1]]
    if word in _FACILITY_WORDS or word in _PLACE_WORDS or tok[0] in unknown_at:
        return True
    if inner and word in _FACILITY_JOINS:
        return True
    if word in _FACILITY_JOINS or word in CUE_WORDS or word in _HEADER_WORDS:
        return False
    # mixed case: a Title Case word or one no vocabulary knows; no case to read: any word a Title
    # Case one could be, so that lowering or raising a note's case never loses what it found
    if mixed_case:
        return text[tok[0]].isupper() or word not in _VOCAB
    return word not in _VOCAB if inner else word not in NEVER_NAMES


def _proper_shape(text: str, low: str, tok: tuple[int, int], mixed_case: bool) -> bool:
    """Whether a word can be part of a facility's proper name: in mixed-case text, Title Case and
    not a clinical or cue word, or a short initialism no vocabulary knows ("NEPA", "MGH"); in
    text with no case to read, any word that could be either."""
    word = low[tok[0]:tok[1]]
    if word in _FACILITY_JOINS or word in CUE_WORDS or len(word) < 2 or word in _HEADER_WORDS:
        return False
    if not mixed_case:
        return word not in _CLINICAL and word not in NEVER_NAMES
    if not text[tok[0]].isupper() or _sentence_start(text, tok[0]):
        return False
    if text[tok[0]:tok[1]].isupper():
        return len(word) <= 5 and word not in _VOCAB
    return word not in _CLINICAL


_TOWN_PREFIXES = frozenset("""
new old port fort ft mount mt lake west east north south upper lower glen san santa el la saint st little big
""".split())
_TOWN_SUFFIXES = frozenset("""
junction jct hollow falls springs city heights village township twp harbor harbour beach park hills valley creek
ridge crossing mills corners landing station forge grove bluff
""".split())


_PLACE_THEN_WORDS = re.compile(r"\b(?:in|from|to|near|of|at)[ \t]+(?=([a-z][a-z'’.]*)[ \t]+([a-z][a-z'’.]*)"
                               r"(?:[ \t]+([a-z][a-z'’.]*))?)")


def _town_phrases(low: str, lists: WordLists, out: list[Detection]) -> None:
    """Towns of two or three words after a place word ("lives in window rock", "from mountain
    top", "at old forge"), looked up in the town list."""
    for m in _PLACE_THEN_WORDS.finditer(low):
        for last in (3, 2):
            if m.group(last) is None:
                continue
            tail = m.group(last).rstrip(".")
            phrase = " ".join([*(m.group(k) for k in range(1, last)), tail])
            if phrase in lists.town_phrases:
                out.append(Detection(m.start(1), m.start(last) + len(tail), C.CITY, "allow.town_phrase"))
                break


def _grow_towns(low: str, toks: list[tuple[int, int]], spans: list[tuple[int, int, C]], lists: WordLists,
                out: list[Detection]) -> None:
    """Extend town spans to the town name they are part of: a name of the town list ("west
    hazelton", "clarks summit"), or a town word with a place prefix or suffix ("New Bedford",
    "Fenwick Hollow")."""
    starts = {s: i for i, (s, _) in enumerate(toks)}
    ends = {e: i for i, (_, e) in enumerate(toks)}
    for s, e, category in spans:
        if category not in (C.CITY, C.UNKNOWN):
            continue
        i, j = starts.get(s), ends.get(e)
        if i is None or j is None:
            continue
        for a, b in ((i - 1, j), (i, j + 1), (i - 2, j), (i, j + 2), (i - 1, j + 1)):
            if 0 <= a and b < len(toks) and " ".join(low[x:y] for x, y in toks[a:b + 1]) in lists.town_phrases:
                out.append(Detection(toks[a][0], toks[b][1], C.CITY, "allow.town_phrase"))
                break
        else:
            if i > 0 and low[toks[i - 1][0]:toks[i - 1][1]] in _TOWN_PREFIXES and _tokens_between(
                    low, toks[i - 1][1], toks[i][0]):
                out.append(Detection(toks[i - 1][0], e, category, "allow.town_affix"))
            if j + 1 < len(toks) and low[toks[j + 1][0]:toks[j + 1][1]] in _TOWN_SUFFIXES and _tokens_between(
                    low, toks[j][1], toks[j + 1][0]):
                out.append(Detection(s, toks[j + 1][1], category, "allow.town_affix"))


def allow_pass(text: str, found: Iterable[Detection], lists: WordLists) -> list[Detection]:
    """New detections for the words of ``text`` that ``found`` (the detectors' merged,
    sorted spans) left out and that no allow-list knows, or that their context makes PHI."""
    low = _lower(text)
    words = set(_TOKEN.findall(low))
    unknown = {w for w in words - lists.allow if not _safe(w, lists.allow)} | (words & lists.deny_words.keys())
    named = (words & name_words()) - unknown  # safe words that are also names: only after a person cue
    # a rare word after a facility cue, a town after a place cue (not words the site vouches for)
    rare = {w for w in words - unknown - _VOCAB - lists.site_allow if len(w) > 1 and w.isalpha()}
    towns = town_names()[0] & (words - unknown - lists.site_allow) if _TOWN_CUE.search(low) else frozenset()
    out: list[Detection] = []
    if lists.deny_phrases:
        _deny_phrases(low, words, lists, out)
    wanted = unknown | named | rare | towns
    anchors = words & _FACILITY_WORDS
    if not wanted and not anchors:
        return out
    found = list(found)
    spans = [(d.start, d.end) for d in found]
    names = [(d.start, d.end) for d in found if d.category is C.NAME]
    mixed_case = not text.isupper() and not text.islower()
    cursor = [0]
    proper_at = {d.start for d in found}  # a detector's find counts as a proper word of a facility's name
    for m in [m for m in _TOKEN.finditer(low) if m.group() in wanted]:
        start, end = m.span()
        word = m.group()
        if _covered(spans, start, end, cursor):
            continue
        if word in unknown:
            if word not in lists.deny_words and _eponym_here(low, start, end):
                continue
            proper_at.add(start)
            start, end = _chain(low, start, end)
            category, lo, hi, rule = _category(text, low, start, end, mixed_case, lists, names)
            out.append(Detection(lo, hi, category, rule))
            if category is C.NAME:
                names.append((lo, hi))
            continue
        if word in named and len(word) > 2 and word not in CUE_WORDS and _forced_name(text, low, start, end, name_cue(low, start), mixed_case) \
                and not _eponym_here(low, start, end):
            out.append(Detection(start, end, C.NAME, "allow.cue.name"))
            names.append((start, end))
            continue
        cue = cue_before(low, start) if word in rare or word in towns else None
        if cue is C.FACILITY and word in rare:
            out.append(Detection(saint_start(low, start), facility_head_after(low, end) or end, C.FACILITY,
                                 "allow.cue.facility"))
        elif word in towns and (cue is C.CITY or (word not in _VOCAB and _WEAK_PLACE_BEFORE.search(low, max(0, start - 8), start))):
            out.append(Detection(start, end, C.CITY, "allow.cue.city"))
    if towns or _TOWN_CUE.search(low):
        _town_phrases(low, lists, out)
    if "." in low:
        _honorifics(low, spans + [(d.start, d.end) for d in out], out)
    growing = any(d.category in _GROWING for d in found) or any(d.category in _GROWING for d in out)
    if not growing and not anchors:
        return out
    toks = [m.span() for m in _TOKEN.finditer(low)]
    if anchors:
        _facilities(text, low, toks, proper_at, mixed_case, out)
    every = [(d.start, d.end, d.category) for d in found] + [(d.start, d.end, d.category) for d in out]
    if growing or anchors:
        _grow_names(text, low, toks, every, mixed_case, lists, out)
        _grow_towns(low, toks, every, lists, out)
        _grow_saints(low, every, out)
        _same_names(low, every + [(d.start, d.end, d.category) for d in out], out)
    return out


def _forced_name(text: str, low: str, start: int, end: int, strength: int, mixed_case: bool) -> bool:
    """Whether a safe word that is also a name is a name here: after a title or relation
    (``strength`` STRONG: "wife hope", "dr brown"), before a role ("Summer (np)"), or after a
    naming phrase (WEAK) when it is no common word or is shaped like a name ("called Hope",
    not "per day")."""
    if strength == STRONG or _ROLE_AFTER.match(low, end):
        return True
    if strength == WEAK:  # no case to read: as generous as a Title Case word would be
        return low[start:end] not in _COMMON or not mixed_case or (text[start].isupper()
                                                                     and not _sentence_start(text, start))
    return False


def _chain(low: str, start: int, end: int) -> tuple[int, int]:
    """The whole hyphenated chain around the word at ``[start, end)`` ("nakamya-hill")."""
    while start > 1 and low[start - 1] == "-" and low[start - 2].isalpha():
        start -= 2
        while start > 0 and low[start - 1].isalpha():
            start -= 1
    tail = _HYPHEN_TAIL.match(low, end)
    return start, tail.end() if tail else end
