"""Synthetic corpus generator: realistic medical JSON records with PHI and gold PHI spans.

``generate_corpus(n, seed)`` builds the records and spans in memory, deterministically;
``write_corpus`` writes them as JSON Lines. See ``core.synth.lexicon`` for the clinical
vocabulary, which other code may reuse.
"""

from core.synth.corpus import SyntheticCorpus, write_corpus
from core.synth.generator import generate_corpus
from core.synth.spans import GoldSpan

__all__ = ["GoldSpan", "SyntheticCorpus", "generate_corpus", "write_corpus"]
