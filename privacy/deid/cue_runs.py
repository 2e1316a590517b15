"""Whole facility names after a facility cue: "seen at Patient First urgent care", "TRANSFERRED
FROM HOLY REDEEMER FOR CATH", "accepted bed at turning point dv shelter".

A name made of ordinary words ("Turning Point", "Women & Infants", "Golden Living") has no word
that the allow-list pass would flag. What gives it away is where it stands: right after a
transfer or visit phrase (:func:`privacy.deid.cues.cue_before`). From there the run of words
that can be part of a name is the facility:

- in mixed-case text, Title Case words (and ``&``, ``of``, ``the``, ``and`` between them);
- in text with no case to read (ALL CAPS or lower case), every word up to the first that
  cannot be part of a name: a function word, a clinical or care-setting word, a heading, a cue
  word, a number or punctuation. Such text gets the generous reading, so that lowering or
  raising a note's case never loses what its Title Case would have shown.
"""

from __future__ import annotations

from itertools import compress, count

from privacy.deid.cues import CARE_SETTINGS, CUE_WORDS, PLACE_CUE_ENDS, cue_before
from privacy.deid.detection import Detection
from privacy.deid.name_lexicon import NEVER_NAMES
from privacy.deid.protect import EPONYM_HEADS, is_eponym
from privacy.deid.vocab import CLINICAL, HEADER_WORDS, sentence_start, tokens_between
from privacy.phi import PhiCategory as C

__all__ = ["facility_runs"]

# The categories as module constants: on Python 3.11 an attribute of an Enum class is read through
# the slow hook of EnumType.__getattr__ (about ten times a global's cost); these are the same objects.
_FACILITY = C.FACILITY
_JOINS = frozenset(("and", "of", "the", "at"))  # "&" lies between tokens
_MAX_WORDS = 6
# Words that end a run where there is no case to read: no facility's name holds them.
_STOPS = NEVER_NAMES - {"patient"} | CLINICAL | CARE_SETTINGS | HEADER_WORDS | CUE_WORDS | frozenset("""
after before until since for into onto about around over under then than today tomorrow yesterday tonight now
last next because due s w x q am pm monday tuesday wednesday thursday friday saturday sunday january february
march april june july august september october november december jan feb mar apr jun jul aug sep sept oct nov
dec morning evening night afternoon noon midnight weekend week month year day days again also still
only already soon later earlier early late approx approximately stable bed chair wheelchair
stretcher bedside baseline rest goal times time once twice daily with without w/o per via by bases base apex
apices bilat bilaterally left right both response card cards sides side
""".split())
# Words that begin a phrase after "at" or "to", never a facility's name ("at some point", "at least").
# "for" ends a facility cue only after these ("drives for Gopher State Taxi"), never in "admitted
# for pneumonia": the other words after "for" are not asked.
_WORK_VERBS = frozenset("drives driving driver works working work worked".split())
_NOT_FIRST = frozenset("some any all least most first each every other such risk".split())


def _part(text: str, word: str, s: int, mixed_case: bool, keep: frozenset[str]) -> bool:
    """Whether ``word``, the token at ``s``, can be part of a facility's name here (``keep``: the
    site's own safe words, never part of one)."""
    if word in _STOPS or len(word) < 2 or word in keep:
        return False
    # letters once the apostrophes and hyphens are left out (a word of letters alone needs no copy)
    if not word.isalpha() and not word.replace("'", "").replace("’", "").replace("-", "").isalpha():
        return False
    return text[s].isupper() if mixed_case else True


def facility_runs(text: str, low: str, toks: list[tuple[int, int]], words_at: list[str], mixed_case: bool,
                  keep: frozenset[str], out: list[Detection]) -> None:
    """A facility for the run of name words right after each facility cue in ``text``.

    ``toks`` are the word tokens (``words_at`` their lower-case words); ``keep`` the site's own
    safe words, which are never part of a facility. A care setting is no name and ends a run
    ("transferred to the ICU" names no facility)."""
    n = len(toks)
    # the cues' last words found by a scan in C (map and compress), not a bytecode loop per token
    for k in compress(count(), map(PLACE_CUE_ENDS.__contains__, words_at)):
        i = k + 1
        if i == n or words_at[k] == "for" and not (k and words_at[k - 1] in _WORK_VERBS):
            continue
        s = toks[i][0]
        # most words after a cue's last word are stops ("to the", "in bed"): _part's first test, asked here
        if words_at[i] in _STOPS or not _part(text, words_at[i], s, mixed_case, keep) or words_at[i] in _NOT_FIRST \
                or mixed_case and sentence_start(text, s):
            continue
        if cue_before(low, s) is not _FACILITY or is_eponym(words_at[i].split("'")[0].split("’")[0]):
            continue
        j = i
        while j + 1 < n and j + 1 - i < _MAX_WORDS and tokens_between(low, toks[j][1], toks[j + 1][0]):
            nxt = words_at[j + 1]
            if _part(text, nxt, toks[j + 1][0], mixed_case, keep):
                j += 1
            elif nxt in _JOINS and j + 2 < n and tokens_between(low, toks[j + 1][1], toks[j + 2][0]) \
                    and _part(text, words_at[j + 2], toks[j + 2][0], mixed_case, keep):
                j += 2
            else:
                break
        if j + 1 < n and (words_at[j + 1] in EPONYM_HEADS or words_at[j + 1].rstrip("s") in EPONYM_HEADS) or \
                i < n - 1 and words_at[i].endswith(("'s", "’s")) and words_at[i + 1] in EPONYM_HEADS:
            continue  # "at Hartmann's pouch", "at McBurney's point"
        out.append(Detection(s, toks[j][1], _FACILITY, "allow.facility_after_cue"))
