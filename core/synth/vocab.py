"""The words of the corpus's non-PHI text, which no generated name may equal.

A patient named "Will" or "Bell" would make "will obtain" or "Bell's palsy" look like an
unmarked name; drawing names outside this vocabulary keeps every name occurrence a span.
"""

from __future__ import annotations

import re
from functools import lru_cache

from core.synth import lexicon, summary, templates
from core.synth.people import RELATIONS
from core.synth.world import INSURERS

__all__ = ["reserved_words", "words_of"]

# Literal words that context.py and the vitals put around placeholders.
_CONTEXT_WORDS = "Dr Mr Ms Mrs RN nurse pt Pt y o yo year old woman man female male patient aged BP HR SpO RA"
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_WORD = re.compile(r"[A-Za-z]+")


def words_of(text: str) -> set[str]:
    """Lower-case alphabetic words of ``text``, placeholders removed."""
    return {w.lower() for w in _WORD.findall(_PLACEHOLDER.sub(" ", text))}


@lru_cache(maxsize=1)
def reserved_words() -> frozenset[str]:
    """Every word of templates, summary phrases, lexicon, insurers, relations and departments."""
    words: set[str] = words_of(_CONTEXT_WORDS)
    for text in templates.all_templates() + summary.all_phrases() + INSURERS:
        words |= words_of(text)
    for relations in RELATIONS.values():
        for relation in relations:
            words |= words_of(relation)
    for term in lexicon.SYMPTOMS + lexicon.INVESTIGATIONS:
        words |= words_of(f"{term.abbrev or ''} {term.expansion}")
    for med in lexicon.MEDICATIONS:
        words |= words_of(f"{med.abbrev or ''} {med.generic} {med.dose} {med.sig} {med.sig_text}")
    for cond in lexicon.CONDITIONS:
        words |= words_of(f"{cond.abbrev or ''} {cond.name} {cond.department}")
    return frozenset(words)
