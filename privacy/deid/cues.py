"""Context cues that say what an unknown word is, in any case: a person, a facility or a town.

The allow-list pass (:mod:`privacy.deid.allowpass`) asks this module two things about a word
token, reading only lower-cased text so that ``dr okafor``, ``Dr Okafor`` and ``DR OKAFOR``
are the same:

- :func:`cue_before`: what the words just before a token make of it. A title or role
  (``dr``, ``mrs``, ``rn``, ``nurse``), a relation (``wife``, ``dtr``, ``proxy``, ``hcp``) or a
  phrase (``name is``, ``called``, ``per``, ``ask for``, ``page``) makes it a person; a transfer
  or visit phrase (``transferred from``, ``referred to``, ``seen at``, ``bib ems from``) makes
  it a facility; ``lives in``, ``resides in``, ``moved from`` make it a town;
- :func:`facility_head_after`: whether a facility head follows (``hosp``, ``med ctr``,
  ``clinic``, ``ew``, ``er``), so ``harlan ew`` is a facility;
- :data:`CARE_SETTINGS`: generic places (``icu``, ``ed``, ``rehab``, ``home``) that a facility
  cue may precede without naming a facility.
"""

from __future__ import annotations

import re
from collections.abc import Set

from privacy.phi import PhiCategory

__all__ = ["CARE_SETTINGS", "CUE_WORDS", "FACILITY_HEADS", "NAME_CUE_ENDS", "NAME_TITLES", "PLACE_CUE_ENDS", "STRONG",
           "WEAK", "cue_before", "facility_head_after", "initials_by_phrase", "name_cue", "names_by_phrase",
           "saint_start", "signature_initials"]


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Titles and roles written before a person's name.
NAME_TITLES = _set("""
dr doctor mr mrs ms miss mx mister prof professor rn np pa lpn cna nurse md msw lcsw licsw chaplain
attending resident intern fellow pcp therapist rev father sister brother
""")
# Relations and people's roles: the next word is their name ("dtr marisol", "husband teodor", "hcp Ross",
# "the transplant coordinator, Hunter").
_RELATIONS = _set("""
wife husband spouse partner son sons daughter daughters dtr dtrs dau mother father mom mum dad brother bro
sister sis sibling niece nephew aunt uncle cousin grandson granddaughter gson gdtr granddtr grandd grandmother
grandfather grandma grandpa granny stepson stepdaughter stepmother stepfather stepdad stepmom fiance fiancee
boyfriend girlfriend bf gf
friend neighbor neighbour roommate caregiver guardian proxy hcp hcpoa poa dpoa sil dil mil fil bil
coordinator navigator interpreter translator chaplain pharmacist therapist counselor counsellor manager
worker secretary technician tech intake sw caller sponsor son-in-law daughter-in-law mother-in-law father-in-law
brother-in-law sister-in-law radiologist surgeon neurologist cardiologist oncologist
nephrologist urologist
pediatrician psychiatrist psychologist dietitian nutritionist midwife doula aide sitter landlord
dtr-in-law sil-in-law rep volunteer pastor director teacher supervisor principal coach deacon imam rabbi minister
priest cde
""")
# Phrases after which a person is named ("name is Ottilie", "ask to page Ottilie", "per Healey").
_NAME_PHRASES = (
    "name is", "names are", "named", "called", "per", "ask for", "asked for", "ask to page", "page", "paged",
    "spoke with", "spoke to", "talked with", "talked to", "d/w", "discussed with", "seen by", "signed by",
    "msg left for", "message left for", "left message for", "left msg for", "left vm for", "message for",
    "msg for", "call back", "callback", "contact", "notified", "informed", "cc", "aka", "care of",
    "covering for", "signed out to", "handoff to", "report to", "report given to", "accompanied by",
    "visited by", "cosigned by", "dictated by", "attending", "resident", "provider", "called to", "given to",
    "reported to", "read by", "d/w with", "msg to", "message to", "spoke w/", "d/w'd",
)
# Phrases that give a person's other name: as strong as a title ("goes by bill", "known as Skip").
_NICKNAME_PHRASES = frozenset(("goes by", "go by", "known as", "nickname", "nicknamed", "prefers to be called"))
# Phrases after which a facility is named ("transferred from st. brigid's", "REFERRED TO MGH").
_FACILITY_PHRASES = tuple(
    f"{verb} {prep}"
    for verb in ("transferred", "transfer", "xfer", "xferred", "xfered", "tx", "txed", "referred", "ref", "sent",
                 "admitted", "readmitted", "seen", "followed", "arrived", "arrives", "presented", "bib", "bib ems",
                 "brought", "amb", "via amb", "ems", "discharged", "d/c", "d/c'd", "dc'd", "records", "films",
                 "imaging", "outside films", "treated", "hospitalized", "stay", "stayed", "placed", "placement",
                 "accepted", "returned", "returns", "came", "coming", "going", "goes", "back", "dialysis", "dialyzes",
                 "rehab", "snf", "works", "employed", "volunteers", "resident", "lives", "living", "staying", "stays",
                 "sw", "nurse", "seen", "declined", "accepted", "followed", "care", "health", "services", "biba",
                 "here", "linked", "connected", "established", "enrolled", "filled", "picks up", "picked up")
    for prep in ("from", "to", "at", "in", "by", "through", "via", "thru")
) + ("osh", "outside hospital", "pcp at", "clinic at", "facility", "transfer", "hospital", "at", "pharmacy",
     # where a patient or a relative works or goes to school ("drives for Gopher State Taxi", "employer, Front
     # Range Tile & Stone", "at work (Carolina Precision Plastics", "attends Little Lambs Child Care")
     "drives for", "driving for", "driver for", "works for", "working for", "work for", "worked for", "employer",
     "employed at", "at work", "attends", "after school", "student at", "retired from", "retired from the")
# Phrases after which a town is named ("lives in dunmore", "moved from east liverpool").
_TOWN_PHRASES = (
    "lives in", "living in", "lives alone in", "lives with family in", "resides in", "residing in", "resident of",
    "moved from", "moved to", "moved here from", "relocated from", "relocating to", "home in", "house in",
    "hometown", "home town", "native of", "originally from", "grew up in", "born in", "lives near", "near",
    "apartment in", "apt in", "shelter in", "home is in", "from the town of", "town of", "city of", "village of",
    "outside", "outside of", "just outside", "north of", "south of", "east of", "west of",
)
#: Words after a name that make it a facility ("harlan ew", "keane memorial", "dunmore gen").
FACILITY_HEADS = _set("""
hospital hosp hsp medical med center centre ctr clinic clinics infirmary hospice memorial general gen regional
rehab rehabilitation nursing snf ltac ltc alf manor ew er ed hc health healthcare institute va vamc pavilion
sanatorium sanitarium campus
""")
#: Generic care settings and places that a facility cue may precede ("transferred to the icu").
CARE_SETTINGS = _set("""
the a an this that his her their our same another outside osh home house floor ward unit icu micu sicu ccu
cvicu nicu picu ccu pacu ed er ew or ir cath lab rehab snf ltac ltc alf nh hospice hospital clinic office
pcp dialysis radiology imaging ct mri us xr cardiology oncology surgery neurology psychiatry psych ob l&d
ld labor delivery nursery step stepdown tele telemetry med medicine gen general main er/ed triage ems
shelter jail prison school work church ambulance amb helicopter medflight care facility nursing bed room
there here now today tomorrow tonight later him her them us me it one wound
""")


# Names that are also modal verbs: a name only between a relation and a verb that a modal cannot
# precede ("wife may is his hcp", "son will called"), never in "son will call back".
_MODAL_NAMES = ("will", "may")
_PERSON_VERBS = (*"""
is was called calls states stated says said visited visiting aware updated here present spoke asked asks requested
requests notified informed agrees agreed wants wanted reports reported brought arrived left phoned declined
""".split(), r"at[ \t]+(?:the[ \t]+)?bedside", r"in[ \t]+to[ \t]+visit")
_MODAL_BEFORE_VERB = "(" + "|".join(_MODAL_NAMES) + r")(?=[ \t]+(?:" + "|".join(_PERSON_VERBS) + r")(?![\w]))"
_RELATION_MODAL_NAME = re.compile(
    r"(?<![\w'’])(?:" + "|".join(sorted(_RELATIONS, key=len, reverse=True)) + r")[ \t,:]+" + _MODAL_BEFORE_VERB)
# What every match of _RELATION_MODAL_NAME holds from its group on: a scan that skips from one "w"
# or "m" to the next, where the regex above tries a hundred relations at every position.
_MODAL_VERB = re.compile(_MODAL_BEFORE_VERB)
# "call Faith at x2-7093", "page Rose @ 4-5521": a word between a calling verb and a number. Each
# verb's first letter is matched before the look-behind (the same test, one character on), so that
# the scan skips from one of those letters to the next.
_CALL_NAME_AT = re.compile(r"(?:c(?<![\w'’]c)(?:all|alls|ontact)|p(?<![\w'’]p)age|r(?<![\w'’]r)each"
                           r"|t(?<![\w'’]t)ext)[ \t]+([a-z][a-z'’-]+)"
                           r"(?=[ \t]+(?:at|@|on)[ \t]*(?:(?:x|ext\.?|#)[ \t]*\d|\(?\d{3}|\d{1,3}[-.]\d))")
_CALL_VERBS = frozenset(("call", "calls", "page", "reach", "text", "contact"))  # whole tokens where they match
_WORD_TOKEN = re.compile(r"\w+(?:['’]\w+)*")
_CALLED_THINGS = frozenset("bell light button back me us him her them home office clinic pharmacy".split())


def names_by_phrase(low: str, words: Set[str] | None = None) -> list[tuple[int, int]]:
    """Spans of person names that only a phrase around them gives away: a modal-verb name between
    a relation and a verb ("son will called"), and a word between a calling verb and a number
    ("call faith at x2-7093"). ``words``, the text's word tokens when the caller has them, spares
    the scans of a text that holds no modal or calling word as a whole token."""
    if words is None:
        words = set(_WORD_TOKEN.findall(low))
    spans = [m.span(1) for m in _RELATION_MODAL_NAME.finditer(low)] \
        if not words.isdisjoint(_MODAL_NAMES) and _MODAL_VERB.search(low) is not None else []
    if not words.isdisjoint(_CALL_VERBS):
        spans += [m.span(1) for m in _CALL_NAME_AT.finditer(low) if m.group(1) not in _CALLED_THINGS]
    return spans


# Dotted initials after a person cue or in brackets after a name, in any case ("brother f.x.",
# "sponsor J.M. called", "grandson joey (j.v.)"); not the abbreviations written the same way.
_INITIALS = re.compile(r"(?<![\w.])[a-z]\.[a-z]\.(?:[a-z]\.)?(?![\w])")
_DOTTED_LETTER = re.compile(r"\.[a-z]\.")
_WORD_BEFORE = re.compile(r"(?<![\w'’])([a-z]+)[ \t:,(]*$")
_BRACKETED = re.compile(r"\([ \t]*$")
_PERSON_WORDS = _RELATIONS | NAME_TITLES
_CREDENTIAL_AFTER = re.compile(r"[ \t]*,?[ \t]*(?:rn|md|np|pa-c|lpn|cna|msw|lcsw|licsw|aprn|fnp|crna|pharmd|do)\b")
_NOT_INITIALS = frozenset("""
a.m. p.m. u.s. u.k. m.d. r.n. d.o. n.p. p.a. n.b. e.r. o.r. i.v. i.m. p.o. q.d. h.s. b.i.d. t.i.d. q.i.d. p.r.n.
a.d. b.c. c.c. e.g. i.e. v.s. q.h. s.c. s.l. o.d. o.s. o.u. a.s. a.u. n.p.o. u.a. g.i.
""".split())


def initials_by_phrase(low: str) -> list[tuple[int, int]]:
    """Spans of dotted initials that stand for a person: after a title or relation ("brother
    f.x.") or in brackets ("joey (j.v.)")."""
    if _DOTTED_LETTER.search(low) is None:  # what every match holds; a scan for a literal is fast
        return []
    found = []
    for m in _INITIALS.finditer(low):
        if m.group() in _NOT_INITIALS:
            continue
        before = low[max(0, m.start() - 24):m.start()]
        word = _WORD_BEFORE.search(before)
        if word is not None and word.group(1) in _PERSON_WORDS or _BRACKETED.search(before) \
                and low[m.end():m.end() + 3].lstrip(" \t")[:1] == ")" or _CREDENTIAL_AFTER.match(low, m.end()):
            found.append(m.span())
    return found




# A nurse's initials signing a note, at the end of a line: "-sk rn", "- jr rn", "dk/rn", "bc rn",
# "-JF RN", "-cq", or alone after the last sentence ("... not a candidate. nkt").
# Read at the end of each line only: a dash or none, the initials, a credential or none.
_SIGNED_TAIL = re.compile(r"(?:^|(?<=[\s.;]))(?P<dash>[-–—]+[ \t]*)?(?P<ini>[a-z]{2,3})[ \t]*(?:[,/][ \t]*)?"
                          r"(?P<cred>(?:rn|lpn|np|rrt|pct|sn)\.?)?[ \t]*\r?\Z")
_PLAIN_CREDENTIALS = frozenset(("rn", "rn.", "lpn", "lpn.", "rrt", "rrt."))
_SIGNED_LAST = re.compile(r"[.!][ \t]+([a-z]{2,3})[ \t]*\Z")
_NOT_INITIALS_WORDS = frozenset("""
by to at per of in on as is w via and the for pt pts see rn md np or am pm ok yes no not all are was has had
""".split())


_LAST_ENDS = frozenset("abcdefghijklmnopqrstuvwxyz \t")  # what a match of _SIGNED_LAST ends with
_CREDENTIAL_DOTS = ("rn.", "lpn.", "np.", "rrt.", "pct.", "sn.")


def _may_end_signature(tail: str) -> bool:
    """Whether a match of :data:`_SIGNED_TAIL` can end where ``tail`` does: past its closing
    blanks and ``\\r``, a match ends with a letter of the initials or the credential, a credential's
    dot, or the "," or "/" between the two. A cheap test that spares most lines the search."""
    if tail.endswith("\r"):
        tail = tail[:-1]
    tail = tail.rstrip(" \t")
    last = tail[-1:]
    return "a" <= last <= "z" or last == "," or last == "/" or last == "." and tail.endswith(_CREDENTIAL_DOTS)


def signature_initials(low: str, vocabulary: frozenset[str], safe: frozenset[str]) -> list[tuple[int, int]]:
    """Spans of the initials a note is signed with, at the end of a line: before a credential,
    after a dash when no clinical or common word (``vocabulary``), or alone after the last
    sentence when no list knows them (``safe``: every safe word)."""
    if "rn" not in low and "-" not in low and "–" not in low and "—" not in low and "." not in low[-8:]:
        return []
    found = []
    end = low.find("\n")
    ends = []
    while end != -1:
        ends.append(end)
        end = low.find("\n", end + 1)
    ends.append(len(low))
    for end in ends:
        tail = low[max(0, end - 24):end]
        if "-" not in tail and "–" not in tail and "—" not in tail and "rn" not in tail and "lpn" not in tail \
                and "rrt" not in tail or not _may_end_signature(tail):
            continue  # neither a dash nor a credential a signature needs, or no signature's end
        m = _SIGNED_TAIL.search(low, max(0, end - 24), end)
        if m is None:
            continue
        credential = m.group("cred")
        # a dash alone before a common word is a list's bullet ("- npo"), not a signature
        if m.group("dash") and (credential or m.group("ini") not in vocabulary) \
                or not m.group("dash") and credential in _PLAIN_CREDENTIALS:
            found.append(m.span("ini"))
    # a match holds no "." or "!" after its first character: it can only start at the last one;
    # and it ends with a letter or a blank, which most texts do not
    if low[-1:] in _LAST_ENDS:
        last = _SIGNED_LAST.match(low, max(low.rfind("."), low.rfind("!"), 0))
        if last is not None and last.group(1) not in safe:
            found.append(last.span(1))
    return [(s, e) for s, e in found if low[s:e] not in _NOT_INITIALS_WORDS] if found else found


def _last_tokens(phrases: frozenset[str] | tuple[str, ...]) -> frozenset[str]:
    """The last word token of each phrase ("d/w'd" gives "w'd", "spoke w/" gives "w")."""
    return frozenset(_WORD_TOKEN.findall(p)[-1] for p in phrases)


#: The word token a person cue ends with: no person cue can stand before a word whose previous
#: token is not one of these, so the pass asks :func:`name_cue` only after one.
NAME_CUE_ENDS = _last_tokens(NAME_TITLES | _RELATIONS | frozenset(_NAME_PHRASES) | _NICKNAME_PHRASES)
#: Every single word that is itself a cue: never part of a name ("law" of "son-in-law" too).
CUE_WORDS = NAME_TITLES | _RELATIONS | frozenset(p for p in _NAME_PHRASES if " " not in p) | _last_tokens(_RELATIONS)
#: The word token a facility, town or saint's cue ends with (see :data:`NAME_CUE_ENDS`).
PLACE_CUE_ENDS = _last_tokens(_FACILITY_PHRASES + _TOWN_PHRASES) | frozenset(("st", "mt", "saint", "mount"))


STRONG, WEAK = 2, 1

_SEPARATOR = r"[\s,:]+"  # between the words of a phrase
_END = ""  # a trie key that marks the end of a phrase


def _trie_body(node: dict[str, dict]) -> str:
    """The regex for the phrases under a trie ``node``, each branch led by one atom (a character,
    or :data:`_SEPARATOR` for a space); an optional group where a phrase may end here."""
    branches = [(_SEPARATOR if atom == " " else re.escape(atom)) + _trie_body(child)
                for atom, child in sorted(node.items()) if atom != _END]
    if not branches:
        return ""
    if _END in node:
        return "(?:" + "|".join(branches) + ")?"
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def _phrase_trie(phrases: tuple[str, ...] | frozenset[str], gap: str = r"[\s,:.#(\-]*") -> str:
    """A regex that matches, anchored at the end of a reversed prefix, any of ``phrases``, with
    ``gap`` (separators) between the phrase and the word after it.

    The phrases are factored into a trie of their characters: it matches the same strings as a
    plain alternation of them (the callers ask only whether it matches, never which phrase did),
    but the engine tries each distinct character once where a plain alternation tries hundreds of
    phrases one by one."""
    root: dict[str, dict] = {}
    for p in {" ".join(w[::-1] for w in reversed(p.split())) for p in phrases}:
        node = root
        for atom in p:
            node = node.setdefault(atom, {})
        node[_END] = {}
    return gap + r"(?:" + _trie_body(root) + r")(?![\w/'’])"


# A title is a cue only when the name follows it directly ("dr okafor", "Dr. Okafor"), not as a
# speaker label or heading ("Doctor: Good news").
_TITLE = _phrase_trie(NAME_TITLES, gap=r"[ \t]*\.?[ \t]*")
_PHRASE = _phrase_trie(frozenset(_NAME_PHRASES))
_SAINT = r"[\s]*(?:\.ts|\.tm|tnias|tnuom)(?![\w])"
_SAINT_BEFORE = re.compile(_SAINT)
# Every cue of :func:`cue_before` in one regex, one alternative for each category in the order the
# categories are asked; each alternative ends with an empty group, so that the number of the group
# that matched says which category the first matching alternative gives. The relation, naming
# and nickname phrases share their gap and category: one trie of them all matches what one of
# the three would.
_CUE_BEFORE = re.compile("|".join(f"(?:{alternative})()" for alternative in (
    _SAINT, _TITLE, _phrase_trie(_RELATIONS | frozenset(_NAME_PHRASES) | _NICKNAME_PHRASES),
    _phrase_trie(_TOWN_PHRASES), _phrase_trie(_FACILITY_PHRASES))))
_CUE_CATEGORIES = (None, PhiCategory.FACILITY, PhiCategory.NAME, PhiCategory.NAME, PhiCategory.CITY,
                   PhiCategory.FACILITY)  # by the number of the empty group that matched
# The cues of :func:`name_cue` the same way: a title, a relation or a nickname's phrase (one trie
# of the two, which share their gap), then a naming phrase.
_NAME_CUE = re.compile("|".join(f"(?:{alternative})()" for alternative in (
    _TITLE, _phrase_trie(_RELATIONS | _NICKNAME_PHRASES), _PHRASE)))
_NAME_STRENGTHS = (0, STRONG, STRONG, WEAK)  # by the number of the empty group that matched


def name_cue(low: str, start: int) -> int:
    """How strongly the words before ``low[start:]`` say a person's name follows: STRONG after a
    title or relation ("dr", "wife", "hcp:"), WEAK after a naming phrase ("per", "called",
    "ask for"), else 0."""
    m = _NAME_CUE.match(low[max(0, start - 40):start][::-1])
    return 0 if m is None else _NAME_STRENGTHS[m.lastindex]


def cue_before(low: str, start: int) -> PhiCategory | None:
    """The category the words before ``low[start:]`` give the token there, or None.

    ``low`` is the lower-cased text. NAME for a title, relation or naming phrase; FACILITY for
    a transfer or visit phrase or a saint's prefix (``st. brigid``); CITY for a place-of-living
    phrase.
    """
    m = _CUE_BEFORE.match(low[max(0, start - 40):start][::-1])
    return None if m is None else _CUE_CATEGORIES[m.lastindex]


_HEAD_AFTER = re.compile(r"(?:['’]s)?[\s\-]+(" + "|".join(sorted(FACILITY_HEADS, key=len, reverse=True))
                         + r")(?![\w])")


def facility_head_after(low: str, end: int) -> int | None:
    """The end of a facility head word right after ``low[:end]`` ("harlan ew"), or None."""
    m = _HEAD_AFTER.match(low, end)
    return m.end() if m else None


def saint_start(low: str, start: int) -> int:
    """``start`` moved back over a saint's prefix ("st. ", "saint ", "mt "), if one is there."""
    before = start
    while before and low[before - 1].isspace():  # what ``\s`` matches
        before -= 1
    if not before or low[before - 1] not in ".t":  # every prefix ends with "." or "t"
        return start
    m = _SAINT_BEFORE.match(low[max(0, start - 12):start][::-1])
    return start - m.end() if m else start
