"""Detect names of people (and hospital names) in free text without knowing the record.

:func:`detect_names` finds:

- names after a title or role, in any case: ``Dr. Chen``, ``dr. smith``, ``Mrs. O'Brien``,
  ``Pt Lopez``, ``RN Jane Smith``, ``Jane Smith, RN``, ``Smith MD``, ``DR. CHEN`` (rule
  ``title``/``role``); a title makes even a protected eponym a name (``Dr. Graves``);
- a first or last name alone in a context that only a person fits: relatives (``wife Linda
  called``, ``pt's son Joseph``, ``Linda (daughter)``), clinicians (``seen by Healey``,
  ``per Healey``, ``d/w Healey``, ``appt 3/4 with Taylor``, ``signed by``, ``cc:``) (rule
  ``context``);
- capitalised tokens found in a first/last-name lexicon (rule ``lexicon``). Names that are
  also common words (Will, May, Hope, Brown, Bishop...) and medical vocabulary
  (:mod:`privacy.deid.protect`) count only with a title or context cue or next to another
  name token (``Mark Brown``); sentence-initial capitals never make a common word a name;
- dotted initials in a name context (``M.L., 68F``, ``verified (M.L., DOB ...)``);
- ALL-CAPS text (nursing notes): the same rules on upper-case tokens, with a
  case-insensitive lexicon lookup;
- hospital and clinic names by their shape (category FACILITY): ``Lake Edward General
  Hospital``, ``St. Mary Medical Center``, ``Mercy Hospital of Springfield``.

The name lexicon and word classes live in :mod:`privacy.deid.name_lexicon` (built from
Faker's tables, MIT licensed).

Detection works on one string; names that the record's structured fields hold are matched
elsewhere (``Detection.known``). Everything is precompiled and looked up in sets: the text
is scanned by a handful of regular expressions, and Python code runs per candidate token,
never per character.
"""

from __future__ import annotations

import re
from functools import lru_cache

from privacy.deid.cues import NAME_CUE_ENDS
from privacy.deid.recognizers.base import Detection
from privacy.deid.name_lexicon import (
    ABBR,
    BLOCK,
    COMMON_WORDS,
    EPONYM,
    FIRST_NAMES,
    LAST_NAMES,
    LEXICON,
    NAME_STOPWORDS,
    NEVER_NAMES,
    SOFT,
    STRONG,
    US_NAMES,
    WORD_CLASS,
    word_set,
)
from privacy.deid.protect import (
    ABBREVIATIONS,
    CLINICAL_WORDS,
    PROTECTED_TERMS,
    in_eponym_context,
)
from privacy.phi import PhiCategory

__all__ = ["NAME_STOPWORDS", "detect_names", "is_name_token"]

# --- token shapes --------------------------------------------------------------------------

_UP = "A-ZÀ-ÖØ-Þ"
_LO = "a-zß-öø-ÿ"
_AL = "A-Za-zÀ-ÖØ-öø-ÿ"
# The capitalised-token pass: words with inner apostrophes and hyphens, never a possessive 's.
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_'’-"
                        "ßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞ")
# A capital right after a word character is inside a word ("iPhone", "HbA1c"): the look-behind,
# tried after the capital so the scan still skips to capitals, rejects it. Every character a
# match holds is a word character, so the positions inside a rejected word are rejected too and
# the scan goes on where skipping the whole match would have.
_CAPWORD_RE = re.compile(rf"[{_UP}](?<![{''.join(map(re.escape, sorted(_WORD_CHARS)))}].)"
                         rf"[{_AL}]*(?:['’](?![sS](?![{_AL}]))[{_AL}]+|-[{_AL}]+)*")
_CAP_WORD = rf"(?:[OD]['’])?[{_UP}][{_LO}]+(?:[{_UP}][{_LO}]+)*"  # Smith, McDonald, O'Brien
_CAP_TOKEN = rf"{_CAP_WORD}(?:-{_CAP_WORD})*"  # Smith-Jones
_UPPER_TOKEN = rf"(?:[OD]['’])?[{_UP}]{{2,}}(?:-[{_UP}]{{2,}})*"  # SMITH, O'BRIEN
_LOWER_TOKEN = rf"[{_LO}]{{2,}}(?:['’-][{_LO}]{{2,}})*"
# One name-ish token at a position: Titlecase, upper-case, lower-case or an initial.
_TOKEN_AT = re.compile(
    rf"(?P<cap>{_CAP_TOKEN})(?![\w])|(?P<up>{_UPPER_TOKEN})(?![\w])|(?P<low>{_LOWER_TOKEN})(?![\w])"
    rf"|(?P<init>[{_UP}])(?:\.|(?=[ \t,;?!)]|$))")
_GAP = re.compile(r"[ \t]+")
_GAP_WITH_INITIAL = re.compile(rf"[ \t]+[{_UP}]\.?[ \t]+")
_INITIAL_GAP = re.compile(rf"[ \t][{_UP}]\.?[ \t]")
_NAME_SHAPE = re.compile(rf"{_CAP_TOKEN}|{_UPPER_TOKEN}")

_HAS_LETTERS = re.compile(rf"[{_AL}][{_AL}]")


def _is_all_caps(text: str) -> bool:
    """Whether ``text`` is an ALL-CAPS note: in its first and last 120 characters, upper-case
    words outnumber lower-case ones five to one (so a few units such as "mg" are allowed)."""
    if text.isupper():
        return True
    probe = text if len(text) <= 240 else text[:120] + " " + text[-120:]
    n_upper = len(_UPPER_WORDS.findall(probe))
    if n_upper < 3:
        return False
    allowed = n_upper // 5  # lower-case words allowed: stop counting once past it
    for count, _ in enumerate(_LOWER_WORDS.finditer(probe), 1):
        if count > allowed:
            return False
    return True


# r"\b[A-Z]{2,}" written so that the regex engine can skip to a capital first (much faster):
# a capital not preceded by a word character, then more capitals.
_UPPER_WORDS = re.compile(r"[A-Z](?<!\w[A-Z])[A-Z]+")
_LOWER_WORDS = re.compile(r"[a-z]{2,}")


# --- cue words and phrases ----------------------------------------------------------------------

_STRONG_TITLES = word_set("""
dr doctor mr mrs ms miss mx prof professor mister sister rev
""")
_DOT_TITLES = frozenset(["dr", "mr", "mrs", "ms", "mx", "prof", "sr", "rev"])
_ROLE_TITLES = frozenset(["pa", "np", "rn", "lpn", "cna"])
_TITLES = _STRONG_TITLES | frozenset(["rn", "np", "pa", "nurse", "lpn", "cna", "sr"])
_RELATIONS = word_set("""
wife husband son sons daughter daughters mother father mom mum dad brother sister sibling niece
nephew aunt uncle cousin grandson granddaughter grandmother grandfather grandma grandpa granny
stepson stepdaughter stepmother stepfather spouse partner fiance fiancee fiancé fiancée boyfriend
girlfriend friend neighbor neighbour roommate caregiver guardian son-in-law daughter-in-law
mother-in-law father-in-law brother-in-law sister-in-law poa hcp hcpoa proxy
""")
# A cue directly before a name: "per Healey", "seen by Healey", "d/w Healey", "cc: Healey".
_CUES = word_set("""
per called paged notified informed consulted cc re attending resident pcp provider surgeon physician
d/w c/w
""") | frozenset(f"{verb} {prep}" for verb, prep in (
        ("seen", "by"), ("evaluated", "by"), ("examined", "by"), ("signed", "by"), ("cosigned", "by"),
        ("co-signed", "by"), ("dictated", "by"), ("reviewed", "by"), ("authored", "by"), ("written", "by"),
        ("verified", "by"), ("followed", "by"), ("referred", "by"), ("referred", "to"), ("referred", "from"),
        ("covered", "by"), ("covering", "for"), ("discussed", "with"), ("spoke", "with"), ("spoke", "to"),
        ("talked", "with"), ("talked", "to"), ("known", "to"), ("handoff", "to"), ("hand-off", "to"),
        ("hand off", "to"), ("signed out", "to"), ("sign-out", "to"), ("signout", "to"), ("report", "to"),
        ("report given", "to"), ("care", "of"), ("left message", "for"), ("left a message", "for"),
        ("left message", "with"), ("left vm", "for"), ("left voicemail", "for"), ("message", "for"),
        ("message", "from"), ("msg", "for"), ("msg", "from"), ("consult", "with"), ("conferred", "with"),
        ("reviewed", "with"), ("agreed", "with"), ("met", "with"), ("visit", "with")))
# Words after which "... with <name>" names a clinician: "appt 3/4 with Taylor".
_APPTS = frozenset(("appt", "appointment", "f/u", "fu", "follow-up", "follow up", "rtc", "visit", "consult",
                    "meet", "meeting", "scheduled", "booked"))
_WITH_TAIL = re.compile(r"(?:[^.;\n]|\.(?=\d)){0,40}?\bwith[ \t]+(?=[\w'’])", re.IGNORECASE)
# "admitted to MGH", "arrived at SMMC": an initialism after these names a facility.
_ADMITS = frozenset(f"{verb} {prep}" for verb, preps in (
    ("arrived", "at"), ("admitted", "to at"), ("admission", "to at"), ("readmitted", "to"),
    ("transferred", "to from"), ("transfer", "to from"), ("seen", "at"), ("visit", "at"), ("presented", "to"),
    ("records", "from"), ("discharged", "from"), ("treated", "at"), ("evaluated", "at"),
    ("hospitalized", "at"), ("stay", "at")) for prep in preps.split())
_VERBS = frozenset(("returned", "called back", "left"))
_ROLES_AFTER = word_set("""
RN MD NP PA PA-C DO LPN CNA APRN FNP FNP-C DNP CRNA PhD MSN BSN PharmD MBBS DPM
""")
_FAC_HEADS = word_set("""
hospital clinic center centre infirmary hospice institute system group home
""")

_K_TITLE, _K_REL, _K_CUE, _K_APPT, _K_ADMIT, _K_VERB = 1, 2, 4, 8, 16, 32
_PHRASE_KIND: dict[str, int] = {}
for _group, _kind in ((_TITLES, _K_TITLE), (_RELATIONS, _K_REL), (_CUES, _K_CUE), (_APPTS, _K_APPT),
                      (_ADMITS, _K_ADMIT), (_VERBS, _K_VERB)):
    for _w in _group:
        _PHRASE_KIND[_w] = _PHRASE_KIND.get(_w, 0) | _kind
del _group, _kind, _w


def _trie_pattern(phrases: frozenset[str] | set[str]) -> str:
    """A regex alternation of ``phrases`` factored as a trie (much faster than a flat one);
    a space in a phrase matches any run of blanks."""
    root: dict[str, dict] = {}
    for phrase in phrases:
        node = root
        for ch in phrase:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        alts = [("[ \t]+" if ch == " " else re.escape(ch)) + build(child)
                for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(root)


# Run over the lower-cased text (same offsets); _CUE_RE_ANYCASE when lower() changes a length.
_CUE_RE = re.compile(r"\b" + _trie_pattern(set(_PHRASE_KIND)) + r"(?![a-z0-9])")
_CUE_RE_ANYCASE = re.compile(_CUE_RE.pattern, re.IGNORECASE)
# _CUE_RE for ASCII text, run over " " + the lower-cased text: its "\b" written as the non-word
# character before the phrase (every phrase starts with a letter, so "\b" there is just that), a
# character class the regex engine skips to in C instead of trying "\b" at every position. The
# class lists every ASCII character but [0-9A-Za-z_], so for ASCII text it is exactly [^\w]; the
# leading blank stands for the start of the text. A match is _CUE_RE's, one character earlier
# (the class), and matches never compete for that character: every phrase ends with a word
# character, which cannot stand before another phrase.
_CUE_AFTER_SEP_RE = re.compile(r"[\x00-/:-@\[-^`{-\x7f]" + _CUE_RE.pattern[2:])
assert _CUE_RE.pattern.startswith(r"\b") and all(p[0].isalpha() and p[-1].isalnum() for p in _PHRASE_KIND)

# Flags of capitalised tokens (beyond their lexicon class).
_F_ROLE, _F_FAC, _F_INIT = 1 << 4, 1 << 5, 1 << 6
_CLASS_MASK = 0xF


def _build_info() -> dict[str, int]:
    info: dict[str, int] = dict(WORD_CLASS)
    for words, bit in ((frozenset(r.lower() for r in _ROLES_AFTER), _F_ROLE), (_FAC_HEADS, _F_FAC),
                       (frozenset("abcdefghijklmnopqrstuvwxyz"), _F_INIT)):
        for word in words:
            info[word] = info.get(word, 0) | bit
    return info


# --- patterns used at a known position ------------------------------------------------------------

# A search for a phrase that must end where its window ends ("Jane Smith, " before "RN") tries
# every start in the window, and on a run of capitalised words (ALL-CAPS text above all) each try
# backtracks over the words that follow it. The phrase holds only letters, a few punctuation
# marks and at most a few runs of blanks: read backwards from the window's end, where those
# stop is where the phrase can start at the earliest, and the search starts there
# (:func:`_search_before`).


def _reach_back(punctuation: str, runs: int) -> re.Pattern[str]:
    """Matched on the reversed window: the longest end of the window (after a newline that ends
    it, where ``$`` also matches) made of letters, ``punctuation`` and at most ``runs`` runs of
    blanks, each between two of those characters or at the end."""
    char = rf"(?:[^\W\d_]|[{re.escape(punctuation)}])"  # [^\W\d_]: every letter, in every script
    return re.compile(rf"\n?{char}*(?:[ \t]+{char}+){{0,{runs}}}")


def _search_before(pattern: re.Pattern[str], reach: re.Pattern[str], text: str, lo: int,
                   end: int) -> re.Match[str] | None:
    """``pattern.search(text, lo, end)`` for a ``pattern`` that ends with ``$``, starts with a
    letter and holds only what ``reach`` allows (:func:`_reach_back`): a match cannot start
    before where ``reach`` stops, so the search starts there. Look-behinds and ``\b`` still see
    the text before that start (``pattern`` has no ``^``)."""
    return pattern.search(text, end - reach.match(text[lo:end][::-1]).end(), end)


_ROLE_BEFORE = re.compile(
    rf"((?:{_CAP_TOKEN}|{_UPPER_TOKEN})(?:[ \t]+(?:[{_UP}]\.?[ \t]+)?(?:{_CAP_TOKEN}|{_UPPER_TOKEN})){{0,2}})"
    r"(?:[ \t]*,[ \t]*|[ \t]+)$")
# Names, initials, a comma; blanks: two gaps between three names, each around an initial, and
# around the comma (6 runs at most).
_ROLE_REACH = _reach_back("'’-.,", 6)
_REL_SEP = re.compile(r"(?:['’]s)?(?:[ \t]*,[ \t]*|[ \t]*\([ \t]*|[ \t]*:[ \t]*|[ \t]+)(?=[A-ZÀ-ÖØ-Þ])")
_REL_NAME_BEFORE = re.compile(
    rf"({_CAP_TOKEN}|{_UPPER_TOKEN})[ \t]*(?:\(|,)[ \t]*(?:(?i:the|pt['’]s|patient['’]s|his|her|their)[ \t]+)?$")
# A name, "(" or ",", "the"...; blanks after each (3 runs at most). The letters that (?i:) also
# matches ("ſ", "İ", "ı") are letters too.
_REL_NAME_REACH = _reach_back("'’-(,", 3)
_CUE_SEP = re.compile(r"[ \t]*:?[ \t]+(?=[\w'’])")
_TITLE_SEP = re.compile(r"(\.)?(?:[ \t]+|(?<=\.))(?=[\w'’])")
_VERB_TAIL = {
    "returned": re.compile(r"[ \t]+(?:(?:the|a|my|his|her|pt['’]?s)[ \t]+)?(?:phone[ \t]+)?(?:call|page|message)\b",
                           re.IGNORECASE),
    "called": re.compile(r"", re.IGNORECASE),
    "left": re.compile(r"[ \t]+(?:a[ \t]+)?(?:message|voicemail|vm)\b", re.IGNORECASE),
}
_INITIALS_AT = re.compile(rf"[{_UP}]\.[{_UP}]\.(?:[{_UP}]\.)?(?![\w])")
_INITIALS_NOT = word_set("""
A.M. P.M. U.S. U.K. M.D. R.N. D.O. N.P. P.A. N.B. E.R. O.R. I.V. I.M. P.O. Q.D. H.S. B.I.D. T.I.D.
Q.I.D. P.R.N. A.D. B.C. C.C. E.G. I.E. V.S. Q.H. S.C. S.L. O.D. O.S. O.U. A.S. A.U. N.P.O. U.A. G.I.
""")
_INITIALS_BEFORE = re.compile(
    r"(?i:(?:\bpt|\bpatient|\bverified|\bwith|\bby|\bfor|\bname|\binitials|\bre|\bmr|\bms|\bmrs|\bsaw|\bto)"
    r"[.:]?[ \t]*\(?|\()[ \t]*$")
_WORD_BEFORE = re.compile(r"([A-Za-z]+)[ \t:,(]*$")
_INITIALS_AFTER = re.compile(
    r"(?P<age>[ \t]*,[ \t]*\d|[ \t]*\([ \t]*\d|[ \t]+\d{1,3}[ \t]*(?:y/?o|yo|-?year|[MF]\b))"
    r"|[ \t]*['’]s\b|[ \t]+(?i:is|was|has|had|denies|reports|states|presents|presented|arrived|returns|returned|"
    r"c/o|complains|seen|here|notes|tolerating|ambulating|resting|verbalized|agrees|called|admits|feels)\b")

# --- facilities ----------------------------------------------------------------------------

_FAC_WORD = rf"(?:[{_UP}][{_LO}]+(?:['’]s)?|[{_UP}]{{2,}}(?:['’]S)?|St\.|ST\.|Mt\.|MT\.)"
_FAC_BEFORE = re.compile(rf"((?:(?:{_FAC_WORD}|and|&)[ \t]+){{1,6}})$")
_FAC_REACH = _reach_back("'’.&", 6)  # up to six words, each with its blanks
_FAC_OF = re.compile(rf"[ \t]+(?:of|OF)[ \t]+(?:(?:the|THE)[ \t]+)?({_FAC_WORD}(?:[ \t]+{_FAC_WORD}){{0,2}})")
_FAC_ABBR_TAIL = re.compile(r"[ \t]+(?:(?:the|THE)[ \t]+)?(?P<abbr>[A-Z]{3,6})(?![\w])")
_FAC_ABBR_NOT = word_set("""
ICU MICU SICU CCU CVICU CTICU NICU PICU PACU SNF ALF LTAC LTACH ECF IRF OSH HOME REHAB CLINIC STAT
THE AND FOR WITH FROM THIS THAT ALL ANY OUR YOUR HIS HER ONE TWO NEW TELE STEPDOWN PCU IMC MED SURG
""")
# Words that alone do not name a facility ("Pain Clinic", "Community Hospital", "The Hospital").
_FAC_GENERIC = word_set("""
the a at to from in of for and with by on via seen prior admitted admission transferred transfer
discharged referred referral records record visit interval outside local main new city county state
university community regional general memorial family health medical children's childrens women's
womens & veterans outpatient inpatient urgent care walk free clinic hospital center centre st mt
saint mount pt patient pain sleep eye wound diabetes heart cancer surgery surgical dental mental
behavioral rehab rehabilitation nursing home day teaching private public federal district area group
system institute infirmary hospice orthopedic orthopaedic orthopedics maintenance methadone dialysis
fertility sports spine pediatric paediatric psychiatric psychiatry women women's men's student
employee occupational infusion imaging diagnostic specialty specialist multispecialty primary
ambulatory allergy asthma dermatology neurology cardiology oncology urology gastroenterology
endocrinology nephrology rheumatology podiatry foot ankle hand vein weight loss wellness breast
kidney lung liver transplant trauma burn eye ear nose throat ent ob gyn obgyn family's physical
therapy speech hearing vision memory stroke
""") | CLINICAL_WORDS
# A facility name starts after the last of these (ALL-CAPS text has no case to stop at).
_FAC_CUT = word_set("""
the a an at to from in on by with for via into seen prior admitted admission readmitted transferred
transfer discharged referred referral records record visit interval outside pt patient called faxed
fax send sent arrived presented returned went go going call also saw per previously up is was were
seen evaluated treated followed
""")
# The head word must complete a facility name: "Clinic", "General Hospital", "Medical Center".
_FAC_HEAD_OK = {
    "hospital": None, "clinic": None, "infirmary": None, "hospice": None,
    "center": word_set("""
medical health cancer surgery surgical rehabilitation rehab care trauma
"""),
    "centre": frozenset(["medical", "health", "cancer", "care"]),
    "institute": frozenset(["heart", "cancer"]),
    "system": frozenset(("health",)),
    "group": frozenset(("medical",)),
    "home": frozenset(("nursing",)),
}

_SURNAME_BAD_SUFFIX = ("tion", "sion", "ology", "ologist", "ment", "ness", "ity", "ies", "ing", "ed", "ful",
                       "ous", "ive", "able", "ible", "ism", "ist", "ics", "ical", "ary", "ory", "ance", "ence")


@lru_cache(maxsize=65536)
def _unknown_name_like(low: str) -> bool:
    """A token outside every word list that could still be a surname ("Healey")."""
    return (len(low) >= 3 and low not in COMMON_WORDS and low not in PROTECTED_TERMS
            and not low.endswith(_SURNAME_BAD_SUFFIX))


def is_name_token(token: str) -> bool:
    """True when ``token`` alone, capitalised and without any cue, reads as a person's name
    (in the lexicon and neither a common word nor medical vocabulary)."""
    return WORD_CLASS.get(token.lower()) == STRONG


_INFO = _build_info()
# _INFO by the word as written ("Smith", "SMITH", "Zzyx": None), filled as words are met: most
# capitalised words are skipped on their class alone, and this spares them lower(). Bounded.
_INFO_BY_WORD: dict[str, int | None] = {}
_UNSEEN = -1  # never an _INFO value


def _info_of_word(word: str) -> int | None:
    """``_INFO.get(word.lower())``, remembered in :data:`_INFO_BY_WORD` (looked up there first)."""
    info = _INFO.get(word.lower())
    if len(_INFO_BY_WORD) < 200_000:
        _INFO_BY_WORD[word] = info
    return info


# --- the detector ----------------------------------------------------------------------------


class _Scan:
    """One pass over a text: cue words trigger their rules, capitalised tokens form runs."""

    __slots__ = ("caps", "found", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.caps = _is_all_caps(text)
        self.found: dict[tuple[int, int, PhiCategory], str] = {}  # span -> first rule

    def add(self, start: int, end: int, rule: str, category: PhiCategory = PhiCategory.NAME) -> None:
        if end > start:
            self.found.setdefault((start, end, category), rule)

    def detections(self) -> list[Detection]:
        """The detections found, in the order first found. Built as tuples directly: :meth:`add`
        keeps only spans with ``0 <= start < end`` (offsets into the text), all that
        ``Detection.__new__`` would check, and its Python-level call costs more than the tuple."""
        new = tuple.__new__
        return [new(Detection, (s, e, c, r, False)) for (s, e, c), r in self.found.items()]

    # --- the two passes ----------------------------------------------------------------------
    def run(self) -> None:
        self.capitalised()
        self.cues()

    def capitalised(self) -> None:
        """Capitalised tokens: lexicon runs, roles after a name, facility heads, initials."""
        text, caps, info_by_word = self.text, self.caps, _INFO_BY_WORD
        run: list[tuple[int, int, int, str, bool]] = []  # lexicon tokens: start, end, class, lower, upper
        prev_end = -10
        for m in _CAPWORD_RE.finditer(text):
            word = m[0]  # never inside a word: the pattern's look-behind
            info = info_by_word.get(word, _UNSEEN)
            if info == _UNSEEN:
                info = _info_of_word(word)
            if info is None:
                if run:
                    start, end = m.span()
                    prev_end = self._unknown_cap(run, start, end, word, word.lower(), prev_end)
                continue
            if not run and info == BLOCK:
                continue  # the commonest case ("The", "Patient"): no flags, no run to end
            low = word.lower()
            start, end = m.span()  # read only here: most tokens are skipped above
            if info > _CLASS_MASK:
                self._flagged(start, end, word, low, info)
            upper = word.isupper()
            if (caps and not upper) or (upper and len(word) == 1):
                continue
            cls = info & _CLASS_MASK
            if run and (cls == 0 or cls == BLOCK or not _joins(text, prev_end, start)):
                if len(run) > 1 or run[0][2] == STRONG or not caps and run[0][4]:
                    self._flush(run)
                run = []
            if cls and cls != BLOCK:
                run.append((start, end, cls, low, upper))
                prev_end = end
        if run and (len(run) > 1 or run[0][2] == STRONG):
            self._flush(run)

    def _unknown_cap(self, run: list, start: int, end: int, word: str, low: str, prev_end: int) -> int:
        """An unknown capitalised token: extends "Christopher" to "Christopher Healey", else ends the run."""
        last = run[-1]
        if last[2] == STRONG and last[3] in FIRST_NAMES and _joins(self.text, prev_end, start) \
                and last[4] == word.isupper() and _unknown_name_like(low) and (not self.caps or len(low) >= 3):
            run.append((start, end, STRONG, low, last[4]))
            return end
        if len(run) > 1 or run[0][2] == STRONG:
            self._flush(run)
        run.clear()
        return -10

    def _flagged(self, start: int, end: int, word: str, low: str, info: int) -> None:
        text = self.text
        if info & _F_ROLE and (word in _ROLES_AFTER or word == "PA" and text[end:end + 2] == "-C"):
            self._role_after(start)
        if info & _F_FAC:
            self._facility(start, end, low)
        if info & _F_INIT and len(word) == 1 and text[end:end + 1] == ".":
            self._initials(start)

    def cues(self) -> None:
        """Cue words and phrases, found by one trie regex over the lower-cased text."""
        text = self.text
        lowered: str | None = text.lower()
        if lowered.isascii():  # the common case: a match of _CUE_AFTER_SEP_RE is one character early
            for m in _CUE_AFTER_SEP_RE.finditer(" " + lowered):
                start, end = m.span()
                phrase = lowered[start:end - 1]
                kind = _PHRASE_KIND.get(phrase) or _PHRASE_KIND.get(" ".join(phrase.split()), 0)
                self._cue(start, end - 1, phrase, kind, lowered)
            return
        if len(lowered) == len(text):
            matches = _CUE_RE.finditer(lowered)
        else:  # pragma: no cover - a character whose lower case is longer ("İ")
            lowered, matches = None, _CUE_RE_ANYCASE.finditer(text)
        for m in matches:
            phrase = m.group()
            kind = _PHRASE_KIND.get(phrase) or _PHRASE_KIND.get(" ".join(phrase.lower().split()), 0)
            self._cue(m.start(), m.end(), phrase, kind, lowered)

    def _cue(self, start: int, end: int, phrase: str, kind: int, lowered: str | None = None) -> None:
        """The rules of the cue ``phrase`` found at ``text[start:end]``; ``lowered`` is the text
        lower-cased with the same offsets, or None."""
        text = self.text
        low = phrase.lower()
        if kind & _K_TITLE:
            self._title(end, text[start:end], low)
        if kind & _K_REL:
            sep = _REL_SEP.match(text, end)
            if sep is not None:
                self.take_names(sep.end(), "context", False, relation=True)
            before = _search_before(_REL_NAME_BEFORE, _REL_NAME_REACH, text, max(0, start - 40), start)
            if before is not None:
                self._single(before.start(1), before.end(1), "context")
        if kind & _K_CUE:
            sep = _CUE_SEP.match(text, end)
            if sep is not None and (low != "re" or text[end:end + 1] == ":" or self.caps) and not (
                    low == "called" and _NAMING_BEFORE.search(text, max(0, start - 24), start)):
                self.take_names(sep.end(), "context", False)
        if kind & _K_APPT and _with_may_follow(lowered, end):
            tail = _WITH_TAIL.match(text, end)
            if tail is not None:
                self.take_names(tail.end(), "context", False)
        if kind & _K_ADMIT:
            tail = _FAC_ABBR_TAIL.match(text, end)
            if tail is not None:
                abbr = tail.group("abbr")
                if abbr not in _FAC_ABBR_NOT and abbr.lower() not in PROTECTED_TERMS \
                        and abbr.lower() not in COMMON_WORDS and abbr.lower() not in LEXICON:
                    self.add(tail.start("abbr"), tail.end("abbr"), "facility", PhiCategory.FACILITY)
        if kind & _K_VERB:
            tail = _VERB_TAIL[low.split()[0]].match(text, end)
            if tail is not None:
                before = _REL_NAME_BEFORE_VERB.search(text, max(0, start - 40), start)
                if before is not None:
                    self._single(before.start(1), before.end(1), "context")

    # --- cue helpers ---------------------------------------------------------------------
    def cue_token_ok(self, tok: str, kind: str, start: int, end: int, strong: bool,
                     lexicon_only: bool = False, relation: bool = False) -> bool:
        """Whether ``tok`` (of shape ``kind``) after a cue is a name; ``strong`` for a real title,
        ``relation`` after a relative ("WIFE ROBIN": a first name even when it is also a word)."""
        low = tok.lower()
        if low in NEVER_NAMES:
            return False
        cls = WORD_CLASS.get(low)
        if lexicon_only:
            return cls == STRONG and kind != "low"
        if kind == "low":
            return strong and cls == STRONG
        if kind == "init":
            return strong
        if kind == "up" and not self.caps and cls is None and low in ABBREVIATIONS:
            return False
        if cls == EPONYM:
            return strong or not in_eponym_context(self.text, start, end)
        if cls == BLOCK:
            return strong and kind == "cap" and low not in PROTECTED_TERMS
        if cls == SOFT:  # "PT FALL RISK", "WIFE HOPE": in ALL-CAPS text only a title or a relative will do
            return strong or kind == "cap" or not self.caps or (relation and (low in FIRST_NAMES or low in LAST_NAMES))
        if cls in (STRONG, ABBR):
            return True
        if "-" in low:
            return all(WORD_CLASS.get(p) in (STRONG, SOFT) or _unknown_name_like(p) for p in low.split("-"))
        return _unknown_name_like(low) or (strong and kind == "cap" and low not in PROTECTED_TERMS
                                           and low not in COMMON_WORDS)

    def _single(self, start: int, end: int, rule: str) -> None:
        tok = self.text[start:end]
        kind = "up" if tok.isupper() else "cap"
        if kind == "up" and not self.caps:
            return
        if self.cue_token_ok(tok, kind, start, end, False):
            self.add(start, end, rule)

    def take_names(self, pos: int, rule: str, strong: bool, max_tokens: int = 3, lexicon_only: bool = False,
                   relation: bool = False) -> int:
        """Name tokens starting at ``pos`` (after a cue); adds a detection, returns its end or -1."""
        text = self.text
        first = _TOKEN_AT.match(text, pos)
        if first is None:
            return -1
        kind = first.lastgroup or ""
        tok = first.group(kind)
        if kind == "up" and not self.caps and not strong and WORD_CLASS.get(tok.lower()) not in (STRONG, SOFT):
            return -1
        if kind == "init":
            if lexicon_only or tok == "I" and text[first.end(kind):first.end(kind) + 1] != ".":
                return -1  # "a doctor I usually see"
            # "Dr. J. Smith" / "Doctor X": an initial, then maybe a name.
            end = first.end(kind)
            nxt = _GAP.match(text, first.end())
            if nxt is not None:
                second = _TOKEN_AT.match(text, nxt.end())
                if second is not None and second.lastgroup in ("cap", "up") and self.cue_token_ok(
                        second.group(second.lastgroup), second.lastgroup or "", second.start(), second.end(),
                        strong):
                    end = self._extend(second.end(), max_tokens - 1)
                    self.add(first.start(), end, rule)
                    return end
            if not strong or text[end:end + 1] in ("&", "/", "-"):
                return -1
            self.add(first.start(), end, rule)
            return end
        if not self.cue_token_ok(tok, kind, first.start(), first.end(), strong, lexicon_only, relation):
            return -1
        end = self._extend(first.end(), max_tokens - 1) if kind != "low" else first.end()
        self.add(first.start(), end, rule)
        return end

    def _extend(self, end: int, budget: int) -> int:
        """Extend a name over following name tokens (``Wei Chen``, ``Jane A. Smith``)."""
        text = self.text
        while budget > 0:
            gap = _GAP_WITH_INITIAL.match(text, end) or _GAP.match(text, end)
            if gap is None:
                break
            nxt = _TOKEN_AT.match(text, gap.end())
            if nxt is None or nxt.lastgroup not in ("cap", "up"):
                break
            if nxt.lastgroup == "up" and not self.caps:
                break
            low = nxt.group(nxt.lastgroup).lower()
            cls = WORD_CLASS.get(low)
            if cls in (STRONG, SOFT, ABBR):
                if low in NEVER_NAMES:
                    break
            elif cls == EPONYM:
                if in_eponym_context(text, nxt.start(), nxt.end()):
                    break
            elif cls == BLOCK and low in LAST_NAMES and (prev := _PREV_WORD.search(text, max(0, end - 40), end)) \
                    and prev.group(1).lower() in FIRST_NAMES \
                    and not in_eponym_context(text, nxt.start(), nxt.end()):
                pass  # "RN Vanessa Colon": a surname that is also a word, right after a first name
            elif cls is not None or not _unknown_name_like(low):
                break
            end = nxt.end()
            budget -= 1
        return end

    def _title(self, end: int, word: str, low: str) -> None:
        text = self.text
        sep = _TITLE_SEP.match(text, end)
        if sep is None:
            return
        dot = sep.group(1) is not None
        if dot and low not in _DOT_TITLES:
            return  # "Jane Smith, RN. Pacemaker ...": the period ends a sentence
        if word == "MS" and not dot and not self.caps:
            return  # multiple sclerosis
        if low in _ROLE_TITLES and word.islower():
            return  # "pa", "np" in running lower-case text are not roles
        strong = low in _STRONG_TITLES
        # "pt." may end a sentence ("reviewed with pt. Prior ED visit ..."): lexicon names only.
        self.take_names(sep.end(), "title", strong, lexicon_only=dot and not strong,
                        relation=low.rstrip(".") in _PERSON_TITLES)

    def _role_after(self, role_start: int) -> None:
        """``Jane Smith, RN`` / ``Smith MD``: the name tokens just before a role."""
        text = self.text
        window_start = max(0, role_start - 80)
        m = _search_before(_ROLE_BEFORE, _ROLE_REACH, text, window_start, role_start)
        if m is None:
            return
        name_start = m.start(1)
        tokens = list(re.finditer(rf"{_CAP_TOKEN}|{_UPPER_TOKEN}|[{_UP}]\.?", m.group(1)))
        if not tokens:
            return
        last = tokens[-1]
        lkind = "up" if last.group().isupper() else "cap"
        if lkind == "up" and not self.caps and WORD_CLASS.get(last.group().lower()) not in (STRONG, SOFT):
            return
        if len(last.group().rstrip(".")) == 1 or not self.cue_token_ok(
                last.group(), lkind, name_start + last.start(), name_start + last.end(), False):
            return
        start = name_start + last.start()
        for tok in reversed(tokens[:-1]):
            w = tok.group().rstrip(".")
            if len(w) == 1 or WORD_CLASS.get(w.lower()) in (STRONG, SOFT):
                start = name_start + tok.start()
            else:
                break
        first = _NAME_SHAPE.match(text, start)
        while first is None and start < name_start + last.start():  # never start on an initial
            nxt = _NAME_SHAPE.search(text, start + 1)
            assert nxt is not None  # the last token itself has a name shape
            start = nxt.start()
            first = _NAME_SHAPE.match(text, start)
        self.add(start, name_start + last.end(), "role")

    def _initials(self, start: int) -> None:
        text = self.text
        m = _INITIALS_AT.match(text, start)
        if m is None or (start and (text[start - 1].isalnum() or text[start - 1] == ".")):
            return
        before = text[max(0, start - 16):start]
        if _INITIALS_BEFORE.search(before):
            self.add(start, m.end(), "initials")
            return
        cue = _WORD_BEFORE.search(before)
        if cue is not None and cue.group(1).lower() in NAME_CUE_ENDS and m.group() not in _INITIALS_NOT:
            self.add(start, m.end(), "initials")  # "sponsor J.M. called", "BROTHER F.X. IN TAUNTON"
            return
        after = _INITIALS_AFTER.match(text, m.end())
        if after is None:
            return
        last = before.rstrip()[-1:]
        if m.group() in _INITIALS_NOT and not after.group("age") and last not in ("", ".", "\n"):
            return  # "8 A.M. is fine": "A.M.", "C.C." only as a subject or with an age
        if last in ("", ".", "\n", ":", ";", ",", "(", "!", "?"):
            self.add(start, m.end(), "initials")

    def _facility(self, start: int, end: int, low: str) -> None:
        """A facility name ending in the head word at ``start``: "Lake Edward General Hospital"."""
        text = self.text
        m = _search_before(_FAC_BEFORE, _FAC_REACH, text, max(0, start - 90), start)
        of = _FAC_OF.match(text, end)
        of_ok = of is not None and any(w.lower() not in _FAC_GENERIC for w in of.group(1).split())
        words = m.group(1).split() if m is not None else []
        need = _FAC_HEAD_OK[low]
        if need is not None and (not words or words[-1].lower() not in need):
            return
        k = 0
        for i, w in enumerate(words):
            if w.lower() in _FAC_CUT:
                k = i + 1
        while k < len(words) and words[k].lower() in ("and", "&", "of"):
            k += 1
        kept = words[k:]
        distinctive = any(w.lower().rstrip(".") not in _FAC_GENERIC for w in kept)
        if not distinctive and not of_ok:
            return
        if m is not None and kept:
            begin = m.start(1)
            for w in words[:k]:
                begin = text.index(w, begin) + len(w)
            begin = text.index(kept[0], begin)
        else:
            begin = start
        self.add(begin, of.end(1) if of_ok and of is not None else end, "facility", PhiCategory.FACILITY)

    # --- lexicon runs ----------------------------------------------------------------------
    def _flush(self, run: list[tuple[int, int, int, str, bool]]) -> None:
        """Emit the name(s) in a run of adjacent capitalised lexicon tokens."""
        if not run:
            return
        text = self.text
        caps = self.caps
        if len(run) == 1:  # the common case, the general code below for one token
            start, end, cls, low, upper = run[0]
            if cls != STRONG or (not caps and upper) or (caps and (len(low) < 3 or len(low) == 3
                                                                  and low not in US_NAMES)):
                return  # one token: only a STRONG one can be a name; upper-case in mixed text needs two
            if low not in NEVER_NAMES and not in_eponym_context(text, start, end):
                self.add(start, end, "lexicon")
            return
        if not caps and all(r[4] for r in run):
            # Upper-case words in mixed text ("ID band checked: KRISTEN GUTIERREZ"): two names at least.
            if sum(1 for r in run if r[2] != BLOCK) < 2:
                return
            caps = True
        usable: list[bool] = []
        for start, end, cls, low, _upper in run:
            if cls == BLOCK:
                usable.append(False)
            elif cls == EPONYM:
                usable.append(not in_eponym_context(text, start, end))
            elif caps and len(low) < 3:
                usable.append(cls == STRONG and len(run) > 1)
            elif caps and len(low) == 3 and len(run) == 1:
                usable.append(low in US_NAMES)
            else:
                usable.append(True)
        i, n = 0, len(run)
        while i < n:
            if not usable[i]:
                i += 1
                continue
            j = i
            while j + 1 < n and usable[j + 1]:
                j += 1
            group = run[i:j + 1]
            classes = [g[2] for g in group]
            if STRONG in classes:
                ok = True
            elif len(group) >= 2:
                # "Mark Brown": a first name then a last name, both ambiguous words alone.
                ok = any(group[k][3] in FIRST_NAMES and group[k + 1][3] in LAST_NAMES and group[k][2] != EPONYM
                         and group[k][3] not in NEVER_NAMES and group[k + 1][3] not in NEVER_NAMES
                         for k in range(len(group) - 1)) and not all(c in (ABBR, EPONYM) for c in classes)
            else:
                ok = False
            if ok and in_eponym_context(text, group[-1][0], group[-1][1]):
                ok = False  # "Hawkins fracture", "Charcot Marie tooth disease"
            if ok:
                while group and group[0][3] in NEVER_NAMES:
                    group = group[1:]
                while group and group[-1][3] in NEVER_NAMES:
                    group = group[:-1]
                if group:
                    self.add(group[0][0], group[-1][1], "lexicon")
            i = j + 1


def _with_may_follow(lowered: str | None, end: int) -> bool:
    """False only where :data:`_WITH_TAIL` cannot match at ``end`` (checked first: the regex
    tries its "with" at each of the 41 places, and most appointment words have none after them).

    Its "with" starts at most 40 characters after ``end``, and (?i:with) matches only w/W,
    i/I/İ/ı, t/T and h/H. ``lowered`` is the text lower-cased with the same offsets, so it holds
    no "İ" (whose lower case is two characters): "with" or "wıth" must be in it there. With no
    such text (None), the regex decides.
    """
    return lowered is None or lowered.find("with", end, end + 44) >= 0 or lowered.find("wıth", end, end + 44) >= 0


# "a medicine called Cylert", "a town called X": "called" names a thing, not a phone call.
_NAMING_BEFORE = re.compile(
    r"\b(?i:is|was|are|were|be|been|being|it['’]s|its|thing|something|one|stuff|medicine|medication|med|"
    r"drug|pill|place|town|city|village|area|condition|disease|procedure|surgery|test|that['’]s|what['’]s|"
    r"so|also|a|an|the|this|store|company|program|show|book|song)[ \t]+$")
_REL_NAME_BEFORE_VERB = re.compile(rf"({_CAP_TOKEN})[ \t]+$")


def _joins(text: str, end: int, start: int) -> bool:
    """Whether tokens ending at ``end`` and starting at ``start`` are adjacent words of one name."""
    if start - end == 1:
        return text[end] == " "
    if start - end > 4 or start <= end:
        return False
    return bool(_INITIAL_GAP.fullmatch(text, end, start)) or not text[end:start].strip(" \t")


# Titles that always name a person ("NURSE DEAN"), unlike "PT", which also abbreviates words
# ("PT FALL RISK").
_PERSON_TITLES = frozenset({"nurse", "rn", "np", "pa", "dr", "doctor", "md", "mr", "mrs", "ms", "miss"})
_PREV_WORD = re.compile(r"([^\W\d_]+)$")
# "555-0143 (Scott)": found from the parenthesis (a regex starting at a literal "(" is much faster
# than one starting at every digit); :func:`_after_number` then checks the digit before it.
_PAREN_NAME = re.compile(r"\([ \t]*([A-Z][a-z]+)[ \t]*\)")


def _after_number(text: str, paren: int) -> bool:
    """Whether a digit, then only blanks, comes before ``text[paren]``."""
    i = paren
    while i and text[i - 1] in " \t":
        i -= 1
    return i > 0 and text[i - 1].isdecimal()  # what the regex \d matches


def detect_names(text: str) -> list[Detection]:
    """Person names (category NAME) and hospital/clinic names (FACILITY) in ``text``.

    Overlapping detections of different rules are all returned; callers merge them with
    :func:`privacy.deid.detection.resolve_overlaps`. Spans never include a title, a role, a
    possessive ``'s`` or surrounding punctuation. A string with no capital letter is scanned as
    if written in capitals (same offsets), so that lowering a note never finds less than
    raising it.
    """
    if len(text) < 2 or _HAS_LETTERS.search(text) is None:
        return []
    if text.islower() and len(text.upper()) == len(text):
        text = text.upper()  # no case to read either way: a lower-case note is read as an ALL CAPS one
    scan = _Scan(text)
    scan.run()
    if "(" in text:
        for m in _PAREN_NAME.finditer(text):
            if not _after_number(text, m.start()):
                continue
            low = m.group(1).lower()
            if low in FIRST_NAMES and low not in NEVER_NAMES and WORD_CLASS.get(low) in (STRONG, SOFT):
                scan.add(m.start(1), m.end(1), "context")  # "555-0143 (Scott)": whose number it is
    return scan.detections()
