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
initialism after a facility cue (``REFERRED TO MGH``), a facility named with ordinary words
after one (:mod:`privacy.deid.cue_runs`: ``at Turning Point DV shelter``), a US town after
``lives in``, names only a phrase gives away (``son will called``, ``brother f.x.``), and
every entry of the site's deny list.

The cost is one regex tokenization and a set lookup per distinct word; positions are only
walked when some word needs a decision.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from privacy.deid.cues import (
    CUE_WORDS,
    NAME_CUE_ENDS,
    NAME_TITLES,
    PLACE_CUE_ENDS,
    STRONG,
    WEAK,
    cue_before,
    facility_head_after,
    initials_by_phrase,
    name_cue,
    names_by_phrase,
    saint_start,
    signature_initials,
)
from privacy.deid.cue_runs import facility_runs
from privacy.deid.facility_edges import facility_edges, named_kinds
from privacy.deid.detection import Detection
from privacy.deid.growth import (
    FACILITY_WORDS,
    Tokens,
    ages_after_names,
    facilities,
    grow_names,
    grow_saints,
    grow_towns,
    given_names_after_comma,
    honorifics,
    nicknames_after_names,
    same_names,
    town_phrases,
    zips_after_towns,
)
from privacy.deid.name_lexicon import NEVER_NAMES
from privacy.deid.protect import EPONYM_HEADS, is_eponym
from privacy.deid.vocab import COMMON, VOCAB, sentence_start, token_starts
from privacy.deid.wordlists import CHAINS, WordLists, city_names, name_words
from privacy.phi import PhiCategory as C

# Categories read once: reading a member off the Enum class costs ten times a global's read.
_NAME, _UNKNOWN, _CITY, _FACILITY = C.NAME, C.UNKNOWN, C.CITY, C.FACILITY

__all__ = ["allow_pass", "unknown_words"]

_TOKEN = re.compile(r"\w+(?:['’]\w+)*")
_GROUP, _SPAN = re.Match.group, re.Match.span  # mapped over a text's matches (no bytecode per token)
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
_TOWN_CUE = re.compile(r"\b(?:liv|resid|moved|reloc|home|native|originally|grew|born|near|town|city|village)"
                       r"|\b(?:from|in|to)\b")
_ROLE_AFTER = re.compile(r"(?:[ \t]*[,(][ \t]*(?:pa|pa-c|do|pt|ot|slp|sw|cm|rd|rt)|[ \t]*[,(]?[ \t]*(?:np|rn|md|lpn|cna"
                         r"|msw|lcsw|licsw|aprn|fnp|crna|pharmd|cnm))\b")
_GROWING = frozenset((C.NAME, C.UNKNOWN, C.CITY, C.FACILITY))
_TOWN_CUE_WORDS = frozenset(("from", "in", "to"))  # a token of these is a match of _TOWN_CUE
# A capital with no word character or apostrophe before it, then a small letter. The capital is
# matched first and the look-behind checked after it: a pattern that starts with a character class
# is scanned for that class fast, one that starts with a look-behind is tried at every position.
_TITLE_WORD = re.compile(r"[A-Z](?<![\w'’][A-Z])[a-z]")
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


# What a word token is to the pass, as bits (WordLists.kinds keeps them per word).
_K_SEEN = 1  # always set: a kind is never 0, so a memo miss is the only falsy read
_K_UNKNOWN = 2  # no list vouches for it, or the site denies it
_K_NAME = 4  # it can be a person's name (a safe word that is one is a name only after a person cue)
_K_RARE = 8  # outside MedSum's vocabulary and the site's words, of more than one letter, all letters
_K_TOWN = 16  # a US town's name that the site does not vouch for


def word_kind(word: str, lists: WordLists) -> int:
    """What ``word`` (a lower-case token) is to the pass, as ``_K_*`` bits, memoized in
    ``lists.kinds``. An unknown word has no other bit: the pass asks nothing else of it."""
    kinds = lists.kinds
    kind = kinds.get(word)
    if kind is not None:
        return kind
    if word in lists.deny_words or word not in lists.allow and not _safe(word, lists.allow):
        kind = _K_SEEN | _K_UNKNOWN
    else:
        kind = _K_SEEN
        if word in name_words():
            kind |= _K_NAME
        if word not in lists.site_allow:
            if word not in VOCAB and len(word) > 1 and word.isalpha():
                kind |= _K_RARE
            if word in lists.towns:
                kind |= _K_TOWN
    if len(kinds) >= 200_000:
        kinds.clear()
        lists.plain.clear()
    kinds[word] = kind
    if kind == _K_SEEN:
        lists.plain.add(word)
    return kind


def _unknown(words: set[str], lists: WordLists) -> set[str]:
    """The words of ``words`` that no list vouches for, and the site's denied words."""
    kinds = lists.kinds
    return {w for w in words - lists.plain if (kinds.get(w) or word_kind(w, lists)) & _K_UNKNOWN}


def unknown_words(text: str, lists: WordLists, skip: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """Where the words of ``text`` are that no allow-list knows and that are no eponym here: the
    residual scan's question, without the cues that only give such a word its category.

    ``skip`` (sorted, non-overlapping spans: the replacements the engine wrote into ``text``)
    leaves out every word token that overlaps one of them; the residual scan sets those aside
    anyway, and the unknown words of an output are mostly the surrogates themselves."""
    low = _lower(text)
    words = set(_TOKEN.findall(low))
    unknown = _unknown(words, lists)
    if not unknown:
        return []
    # Each unknown word is looked for with str.find (few words, often the surrogates themselves)
    # rather than by walking every token; a find counts only where a token of the same text starts.
    spans = []
    for word in unknown:
        at, cursor = low.find(word), [0]  # a word's finds come in order: the cursor only moves on
        while at != -1:
            end = at + len(word)
            if not _covered(skip, at, end, cursor) and token_starts(low, at) \
                    and _TOKEN.match(low, at).end() == end and not _eponym_here(low, at, end):
                spans.append((at, end))
            at = low.find(word, at + 1)
    spans.sort()
    return spans


def _covered(spans: Sequence[tuple[int, int]], start: int, end: int, cursor: list[int]) -> bool:
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
    if denied is not None and denied is not _UNKNOWN:
        return denied, start, end, "allow.chain" if word in CHAINS else "allow.site_deny"
    cue = cue_before(low, start)
    head = facility_head_after(low, end)
    if cue is _FACILITY or head is not None:
        return _FACILITY, saint_start(low, start), head or end, "allow.facility"
    if cue is not None:
        return cue, start, end, f"allow.cue.{cue.value.lower()}"
    if mixed_case and text[start].isupper() and not text[start:end].isupper() and not sentence_start(text, start):
        return _NAME, start, end, "allow.name_shape"
    if names and _next_to_name(names, text, start, end):
        return _NAME, start, end, "allow.next_to_name"
    if denied is not None:
        return denied, start, end, "allow.site_deny"
    return _UNKNOWN, start, end, "allow.unknown"


def _deny_phrases(low: str, words: set[str], lists: WordLists, out: list[Detection]) -> None:
    """Every multi-word deny-list entry ("keane memorial") in the text."""
    for first in words & lists.deny_phrases.keys():
        for phrase, category in lists.deny_phrases[first]:
            pattern = re.compile(r"(?<![\w'])" + r"\W+".join(map(re.escape, phrase)) + r"(?![\w])")
            out.extend(Detection(m.start(), m.end(), category, "allow.site_deny") for m in pattern.finditer(low))


def allow_pass(text: str, found: Iterable[Detection], lists: WordLists) -> list[Detection]:
    """New detections for the words of ``text`` that ``found`` (the detectors' merged,
    sorted spans) left out and that no allow-list knows, or that their context makes PHI."""
    low = _lower(text)
    matches = list(_TOKEN.finditer(low))
    sequence = list(map(_GROUP, matches))
    words = set(sequence)
    # unknown words; safe words that are also names (only after a person cue); rare words (after
    # a facility cue) and towns (after a place cue), neither of them words the site vouches for
    unknown, named, rare, town_words = set(), set(), set(), set()
    kinds = lists.kinds
    for w in words - lists.plain:
        kind = kinds.get(w) or word_kind(w, lists)
        if kind & _K_UNKNOWN:
            unknown.add(w)
            continue
        if kind & _K_NAME:
            named.add(w)
        if kind & _K_RARE:
            rare.add(w)
        if kind & _K_TOWN:
            town_words.add(w)
    has_rare = bool(rare)
    town_cue = not words.isdisjoint(_TOWN_CUE_WORDS) or _TOWN_CUE.search(low) is not None
    towns = town_words if town_cue else frozenset()
    out: list[Detection] = []
    if lists.deny_phrases:
        _deny_phrases(low, words, lists, out)
    anchors = words & FACILITY_WORDS
    cued = not words.isdisjoint(PLACE_CUE_ENDS)
    found = list(found)
    spans = [(d.start, d.end) for d in found]
    for start, end in initials_by_phrase(low):
        if not _covered(spans, start, end, [0]):
            out.append(Detection(start, end, _NAME, "allow.initials"))
    for start, end in signature_initials(low, VOCAB, lists.allow):
        if not _covered(spans, start, end, [0]):
            out.append(Detection(start, end, _NAME, "allow.signature"))
    if not unknown and not named and not has_rare and not towns and not anchors and not cued:
        return out
    names = [(d.start, d.end) for d in found if d.category is _NAME]
    mixed_case = _has_case(text)
    cursor = [0]
    proper_at = {d.start for d in found}  # a detector's find counts as a proper word of a facility's name
    first = unknown | named
    # a rare word or a town counts only right after a place cue's last word; any other word after
    # one would only be skipped below
    second = rare | towns if cued else ()
    if second:
        at = [i for i, w in enumerate(sequence)
              if w in first or w in second and i and sequence[i - 1] in PLACE_CUE_ENDS]
    else:
        at = [i for i, w in enumerate(sequence) if w in first]
    for i in at:
        word, previous = sequence[i], sequence[i - 1] if i else ""  # a cue can only end with certain words
        start, end = matches[i].span()
        if word in unknown:
            if _covered(spans, start, end, cursor) or word not in lists.deny_words and _eponym_here(low, start, end):
                continue
            proper_at.add(start)
            start, end = _chain(low, start, end)
            category, lo, hi, rule = _category(text, low, start, end, mixed_case, lists, names)
            out.append(Detection(lo, hi, category, rule))
            if category is _NAME:
                names.append((lo, hi))
            continue
        if word in named:
            strength = name_cue(low, start) if previous in NAME_CUE_ENDS else 0
            strong = strength == STRONG
            titled = strong and previous in NAME_TITLES  # "dr page", "DR WOLFF"
            role = _ROLE_AFTER.match(low, end)  # "Page (PA)", "hope adjei, np"
            if (previous in NAME_CUE_ENDS or role) and len(word) > 2 \
                    and (word not in CUE_WORDS or (strong or role) and word not in NEVER_NAMES) \
                    and not _covered(spans, start, end, cursor) \
                    and _forced_name(text, low, start, end, strength, mixed_case) \
                    and (titled or not _eponym_here(low, start, end)):
                out.append(Detection(start, end, _NAME, "allow.cue.name"))
                names.append((start, end))
                continue
        is_rare = word in rare
        if previous not in PLACE_CUE_ENDS or not (is_rare or word in towns) or _covered(spans, start, end, cursor):
            continue
        cue = cue_before(low, start)
        if cue is _FACILITY and is_rare:
            out.append(Detection(saint_start(low, start), facility_head_after(low, end) or end, _FACILITY,
                                 "allow.cue.facility"))
        elif word in towns and (cue is _CITY or ((word not in VOCAB and not _inflected(word, lists.allow)
                                                   or word in city_names())
                                                  and _WEAK_PLACE_BEFORE.search(low, max(0, start - 8), start))):
            out.append(Detection(start, end, _CITY, "allow.cue.city"))
    toks = Tokens(list(map(_SPAN, matches)))
    if cued:
        facility_runs(text, low, toks.spans, sequence, mixed_case, lists.site_allow, out)
    if "start" in words or "home" in words or "living" in words or "day" in words or "residential" in words:
        named_kinds(text, low, mixed_case, out)
    for start, end in names_by_phrase(low, words):
        word = low[start:end]
        if (word in name_words() or word in unknown or word in ("will", "may")) and word not in CUE_WORDS \
                and word not in lists.site_allow and not _covered(spans, start, end, [0]):
            out.append(Detection(start, end, _NAME, "allow.name_phrase"))
            names.append((start, end))
    if towns or town_cue:
        town_phrases(low, toks.spans, sequence, lists, out)
    if "." in low:
        honorifics(low, spans + [(d.start, d.end) for d in out], out)
    growing = any(d.category in _GROWING for d in found) or any(d.category in _GROWING for d in out)
    if not growing and not anchors:
        return out
    if anchors:
        proper_at.update(toks.starts_within([(d.start, d.end) for d in found] + [(d.start, d.end) for d in out]))
        facilities(text, low, toks.spans, sequence, proper_at, mixed_case, out)  # every word a detector found is proper
    base = len(found)
    every = [(d.start, d.end, d.category) for d in found] + [(d.start, d.end, d.category) for d in out]

    def now() -> list[tuple[int, int, C]]:
        """``every`` caught up with what the steps so far appended to ``out``."""
        if len(every) - base < len(out):
            every.extend((d.start, d.end, d.category) for d in out[len(every) - base:])
        return every

    grown = list(every)  # the three growths read what was found before any of them
    grow_names(text, low, toks, grown, mixed_case, lists, out)
    grow_towns(low, toks, grown, lists, out)
    grow_saints(low, grown, out)
    _names_joined_by_and(low, now(), lists, out)
    same_names(low, now(), out)
    ages_after_names(text, now(), out)
    nicknames_after_names(text, now(), out)
    given_names_after_comma(text, low, now(), mixed_case, out)
    zips_after_towns(text, now(), out)
    facility_edges(text, low, now(), mixed_case, out)
    _leading_the(low, now(), out)
    return out


_AND_NAME = re.compile(r"[ \t]*(?:and|&)[ \t]+([a-z]+)(?![\w'’-])")


def _names_joined_by_and(low: str, spans: list[tuple[int, int, C]], lists: WordLists, out: list[Detection]) -> None:
    """A name word after "<name> and" is a name too ("DAUGHTERS FAITH AND HOPE", "Imelda and Ross")."""
    for _, e, category in spans:
        if category is _NAME:
            m = _AND_NAME.match(low, e)
            if m is not None and m.group(1) in name_words() and m.group(1) not in NEVER_NAMES \
                    and m.group(1) not in CUE_WORDS and m.group(1) not in lists.site_allow:
                out.append(Detection(m.start(1), m.end(1), _NAME, "allow.name_and"))


def _leading_the(low: str, spans: list[tuple[int, int, C]], out: list[Detection]) -> None:
    """A facility's name keeps the "the" it is written with ("FROM THE MARSH NURSING HOME", "at
    the Brigham"): the article is part of the name as the note writes it."""
    for s, e, category in spans:
        if category is _FACILITY and s >= 4 and low[s - 4:s] == "the " and (s == 4 or not low[s - 5].isalnum()):
            out.append(Detection(s - 4, e, _FACILITY, "allow.facility_the"))


def _has_case(text: str) -> bool:
    """Whether the case of ``text``'s words says anything: it has Title Case words. A lower-case
    note with a few acronyms ("bib ems from harbor light shelter, 52M, ETOH") has none, and is
    read as having no case, like an ALL CAPS one."""
    titled = _TITLE_WORD.search(text)
    return titled is not None and _TITLE_WORD.search(text, titled.end()) is not None


def _forced_name(text: str, low: str, start: int, end: int, strength: int, mixed_case: bool) -> bool:
    """Whether a safe word that is also a name is a name here: after a title or relation
    (``strength`` STRONG: "wife hope", "dr brown"), before a role ("Summer (np)"), or after a
    naming phrase (WEAK) when it is no common word or is shaped like a name ("called Hope",
    not "per day")."""
    if strength == STRONG or _ROLE_AFTER.match(low, end):
        return True
    if strength == WEAK:  # no case to read: as generous as a Title Case word would be
        return low[start:end] not in COMMON or not mixed_case or (text[start].isupper()
                                                                     and not sentence_start(text, start))
    return False


def _chain(low: str, start: int, end: int) -> tuple[int, int]:
    """The whole hyphenated chain around the word at ``[start, end)`` ("nakamya-hill")."""
    while start > 1 and low[start - 1] == "-" and low[start - 2].isalpha():
        start -= 2
        while start > 0 and low[start - 1].isalpha():
            start -= 1
    tail = _HYPHEN_TAIL.match(low, end)
    return start, tail.end() if tail else end
