"""Vocabulary and small text tests shared by the allow-list pass and its growth rules.

- :data:`VOCAB`: the lower-case words MedSum's own lists know (common words, medical vocabulary,
  generic care settings); a word outside it is "rare": after a facility cue or inside a
  facility's name it is a proper word even when philter's long list has it ("mgh").
- :data:`CLINICAL`, :data:`COMMON`, :data:`HEADER_WORDS`: parts of it the rules ask about.
- :func:`is_word_char` and :func:`token_starts`: where the word tokens of the pass (``\\w+`` runs
  joined by apostrophes) start, for rules that find words with ``str.find``.
"""

from __future__ import annotations

from privacy.deid.cues import CARE_SETTINGS
from privacy.deid.name_lexicon import COMMON_WORDS
from privacy.deid.protect import PROTECTED_TERMS

__all__ = ["CLINICAL", "COMMON", "HEADER_WORDS", "VOCAB", "is_word_char", "sentence_start", "token_starts",
           "tokens_between"]

VOCAB = frozenset(w.lower() for w in COMMON_WORDS | PROTECTED_TERMS) | CARE_SETTINGS
CLINICAL = frozenset(w.lower() for w in PROTECTED_TERMS)
COMMON = frozenset(w.lower() for w in COMMON_WORDS)
#: Title Case words of note headings and services: never part of a facility's own name.
HEADER_WORDS = frozenset("""
department dept division section service services unit course summary discharge admission history physical
assessment plan report note notes progress consult consultation follow up followup procedure findings
impression exam examination results medications instructions diagnosis diagnoses disposition
""".split())
_SENTENCE_END = frozenset(".!?:;\n•*>-")


def sentence_start(text: str, start: int) -> bool:
    """Whether the word at ``start`` begins a sentence, a line or a list item."""
    j = start - 1
    while j >= 0 and text[j] in " \t\"'(":
        j -= 1
    return j < 0 or text[j] in _SENTENCE_END


def tokens_between(low: str, end: int, start: int) -> bool:
    """Whether only blanks (or one hyphen or ampersand) lie between ``end`` and ``start``."""
    gap = low[end:start]
    return len(gap) <= 3 and gap.strip(" \t-&") == ""


def is_word_char(low: str, at: int) -> bool:
    """Whether ``low[at]`` is a character ``\\w`` matches (False outside the text)."""
    return 0 <= at < len(low) and (low[at].isalnum() or low[at] == "_")


def token_starts(low: str, at: int) -> bool:
    """Whether a word token (``\\w+`` runs joined by apostrophes) starts at ``low[at]``, a word
    character: no word character comes right before it, nor an apostrophe joining it to one."""
    if is_word_char(low, at - 1):
        return False
    return not (at >= 2 and low[at - 1] in ("'", "’") and is_word_char(low, at - 2))
