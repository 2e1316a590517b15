"""Sentence-level provenance: which spans of the model input support each summary sentence.

Both texts are de-identified (the model input and the summary before surrogates are mapped
back), and every span is a pair of character offsets into the model input.

**Spans.** The model input is ``key: value`` lines (:func:`core.records.model_input`). A
line that starts with ``key: `` opens a field; a line without one continues the previous
field. Each field's value is split into sentences (:func:`split_sentences`) and each sentence
into its ``"; "``-separated items (list fields are flattened that way), so a medication list
gives one span per medication. The key is not part of the span.

**Concepts.** Both sides are read as sets of concepts, so that wording and abbreviations do
not matter: a lexicon term is one concept named by its canonical name (``DM2``, ``Type 2
Diabetes Mellitus``; ``PO``, ``by mouth``); a number with a unit is one concept with value
and unit normalized (``x2 wks`` = ``for 2 weeks``; :func:`find_quantities`); any other
number is a concept of its own; the remaining words are lower-cased, stop words dropped and
lightly stemmed (``presents``, ``presented`` -> ``present``). Redaction tags (``[NAME]``)
are no concept.

**Score.** A concept's weight is its class weight (lexicon term 2, number with unit 2.5,
bare number 2, word 1) times an IDF over the record's spans, ``log(1 + N / max(df, 1))``
with ``N`` spans of which ``df`` hold it: a concept that many spans share tells little. A
span's score for a sentence is the weighted share of the sentence's concepts it holds (0 to
1). A sentence keeps its best spans, best first: at most :data:`MAX_SPANS`, each scoring at
least :data:`KEEP_RATIO` of the best. Its *coverage* is the weighted share of its concepts
that the kept spans hold together; it is *supported* when the coverage is at least
:data:`SUPPORT_THRESHOLD`. A sentence whose only words are stop words, or whose concepts
the record does not hold (a hallucinated drug, a different dose), is unsupported.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any

from core.evaluation.lexicon import Lexicon
from core.evaluation.quantities import find_quantities
from core.evaluation.sentences import split_sentences

__all__ = ["KEEP_RATIO", "MAX_SPANS", "SUPPORT_THRESHOLD", "SentenceSupport", "SourceSpan", "source_spans",
           "supports_json", "trace"]

#: The share of a sentence's weighted concepts its kept spans must hold for it to be supported.
SUPPORT_THRESHOLD = 0.35
#: A span is kept beside the best one when it scores at least this share of the best score.
KEEP_RATIO = 0.5
#: The most spans kept for one sentence.
MAX_SPANS = 3

_ENTITY, _QUANTITY, _NUMBER, _WORD = 2.0, 2.5, 2.0, 1.0
_UNSEEN_WORD = 0.5  # a word no span holds weighs half: more often a paraphrase than a claim
_TIE = 0.05  # spans within this score of each other are ranked by their precision
_ACRONYM = re.compile(r"\b(?:[A-Z]{2,6}|[A-Za-z]/[A-Za-z])(?![\w/])")
_NEGATIONS = frozenset({"no", "not", "nor", "neither", "none", "never", "without", "denies", "denied", "deny",
                        "negative", "unremarkable"})
_NOT = "w:not"  # the one concept every negation word is
_FIELD = re.compile(r"^([^\s:][^:\n]{0,80}?): ", re.MULTILINE)
_TAG = re.compile(r"\[[A-Z][A-Z_]*\]")
_TOKEN = re.compile(r"[^\W_]+")
_STOP_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each either few for from further had has have
having he her here hers herself him himself his how i if in into is it its itself just me more most my
myself now of off on once only or other our ours out over own per same she should so
some such than that the their theirs them themselves then there these they this those through to too under
until up upon very via was we were what when where which while who whom why will with would you your
yours yourself well within x q
""".split())


@dataclass(frozen=True)
class SourceSpan:
    """A span of the model input that supports a summary sentence: ``source[start:end]``, the
    field it lies in, and its score (the weighted share of the sentence's concepts it holds)."""

    start: int
    end: int
    field: str
    score: float

    def to_json(self) -> dict[str, Any]:
        """The span as plain JSON (score rounded to 3 places)."""
        return {"field": self.field, "start": self.start, "end": self.end, "score": round(self.score, 3)}


@dataclass(frozen=True)
class SentenceSupport:
    """One summary sentence (``summary[start:end]``) and the spans that support it, best first.

    ``coverage`` is the weighted share of the sentence's concepts the spans hold together;
    ``supported`` is whether it reaches :data:`SUPPORT_THRESHOLD`.
    """

    text: str
    start: int
    end: int
    spans: tuple[SourceSpan, ...]
    coverage: float
    supported: bool


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    field: str


def _located(text: str, pieces: list[str], offset: int = 0) -> Iterator[tuple[str, int, int]]:
    """Each piece (in order, stripped text of ``text``) with its offsets, shifted by ``offset``."""
    cursor = 0
    for piece in pieces:
        at = text.find(piece, cursor)
        if at < 0:  # cannot happen for pieces cut from text; skip rather than guess
            continue
        cursor = at + len(piece)
        yield piece, offset + at, offset + cursor


def _fields(source: str, field_names: Collection[str] | None) -> Iterator[tuple[str, int, int]]:
    """(field, value start, value end) for each field of the model input, in order."""
    starts: list[tuple[str, int, int]] = []  # field, line start, value start
    for match in _FIELD.finditer(source):
        key = match.group(1)
        if field_names is not None and re.split(r"[.\[]", key, maxsplit=1)[0] not in field_names:
            continue
        starts.append((key, match.start(), match.end()))
    if not starts or starts[0][1] > 0:
        starts.insert(0, ("", 0, 0))
    for i, (key, _, value_start) in enumerate(starts):
        end = starts[i + 1][1] if i + 1 < len(starts) else len(source)
        yield key, value_start, end


def source_spans(source: str, *, field_names: Collection[str] | None = None) -> list[tuple[str, int, int]]:
    """The spans provenance can point at, in text order: ``(field, start, end)`` for each
    sentence, or ``"; "``-separated item, of each field's value.

    ``field_names``, when given, are the record's top-level keys: only a line starting with
    one of them (``key: ``, ``key.sub: ``, ``key[0].sub: ``) opens a field, so that a value
    written over several lines (a dialogue's ``Doctor: ...``) stays one field.
    """
    spans: list[tuple[str, int, int]] = []
    for key, start, end in _fields(source, field_names):
        value = source[start:end]
        for sentence, s_start, _ in _located(value, split_sentences(value), start):
            items = [item.strip() for item in sentence.split("; ") if item.strip()]
            spans += [(key, i_start, i_end) for _, i_start, i_end in _located(sentence, items, s_start)]
    return spans


def _stem(word: str) -> str:
    """A light suffix stripper: enough for ``presents``/``presented``/``presenting``."""
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", "e"), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            stem = word[: len(word) - len(suffix)] + keep
            if suffix in ("ing", "ed") and len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] not in "ls":
                stem = stem[:-1]  # planned -> plan
            return stem
    return word


def _mark(taken: bytearray, start: int, end: int) -> None:
    taken[start:end] = b"\x01" * (end - start)


def _concepts(text: str, lexicon: Lexicon, acronyms: Collection[str] = ()) -> list[tuple[str, float, int]]:
    """``(concept, class weight, offset)`` for every concept of ``text``, in no set order.

    ``acronyms`` are the source's unknown acronyms: a run of words of ``text`` whose initials
    spell one (``past medical history`` for ``PMH``) is that acronym's concept.
    """
    found: list[tuple[str, float, int]] = []
    taken = bytearray(len(text))
    for tag in _TAG.finditer(text):
        _mark(taken, tag.start(), tag.end())
    for entity in lexicon.find(text):
        if not any(taken[entity.start:entity.end]):
            found.append(("e:" + entity.canonical.casefold(), _ENTITY, entity.start))
            _mark(taken, entity.start, entity.end)
    for quantity in find_quantities(text):
        if not any(taken[quantity.start:quantity.end]):
            found.append((f"q:{quantity.value} {quantity.unit}", _QUANTITY, quantity.start))
            _mark(taken, quantity.start, quantity.end)
    for match in _ACRONYM.finditer(text):
        if not any(taken[match.start():match.end()]):
            found.append(("a:" + match.group().replace("/", "").upper(), _ENTITY, match.start()))
            _mark(taken, match.start(), match.end())
    words = [m for m in _TOKEN.finditer(text) if not any(taken[m.start():m.end()])]
    if acronyms:
        longest = max(len(a) for a in acronyms)
        i = 0
        while i < len(words):
            for size in range(min(longest, len(words) - i), 1, -1):
                window = words[i:i + size]
                initials = "".join(m.group()[0] for m in window).upper()
                if initials in acronyms and all(m.group().isalpha() for m in window):
                    found.append(("a:" + initials, _ENTITY, window[0].start()))
                    for m in window:
                        _mark(taken, m.start(), m.end())
                    i += size - 1
                    break
            i += 1
        words = [m for m in words if not any(taken[m.start():m.end()])]
    for match in words:
        word = match.group().casefold()
        if word.isdigit():
            found.append(("n:" + (word.lstrip("0") or "0"), _NUMBER, match.start()))
        elif word in _NEGATIONS:
            found.append((_NOT, _WORD, match.start()))
        elif word not in _STOP_WORDS and len(word) > 1:
            found.append(("w:" + _stem(word), _WORD, match.start()))
    return found


def _bucket(concepts: list[tuple[str, float, int]], bounds: list[tuple[int, int]]) -> list[dict[str, float]]:
    """The concepts (with class weights) falling inside each ``(start, end)`` of ``bounds``."""
    ordered = sorted(concepts, key=lambda c: c[2])
    out: list[dict[str, float]] = []
    i = 0
    for start, end in bounds:  # bounds are in text order and do not overlap
        while i < len(ordered) and ordered[i][2] < start:
            i += 1
        bag: dict[str, float] = {}
        j = i
        while j < len(ordered) and ordered[j][2] < end:
            bag[ordered[j][0]] = ordered[j][1]
            j += 1
        out.append(bag)
    return out


def trace(source: str, summary: str, lexicon: Lexicon, *,
          field_names: Collection[str] | None = None) -> list[SentenceSupport]:
    """For each sentence of ``summary``, the spans of ``source`` that support it (see the module
    docstring for the method). Offsets are into ``source`` and ``summary`` as given.

    ``field_names`` is passed to :func:`source_spans`.
    """
    spans = [_Span(start, end, key) for key, start, end in source_spans(source, field_names=field_names)]
    source_concepts = _concepts(source, lexicon)
    acronyms = frozenset(c[2:] for c, _, _ in source_concepts if c.startswith("a:"))
    span_bags = _bucket(source_concepts, [(s.start, s.end) for s in spans])
    sentences = list(_located(summary, split_sentences(summary)))
    sentence_bags = _bucket(_concepts(summary, lexicon, acronyms), [(start, end) for _, start, end in sentences])
    df: dict[str, int] = {}
    for bag in span_bags:
        for concept in bag:
            df[concept] = df.get(concept, 0) + 1
    n = len(span_bags)
    idf = {c: math.log(1 + n / f) for c, f in df.items()}
    span_mass = [sum(w * idf[c] for c, w in bag.items()) for bag in span_bags]
    out: list[SentenceSupport] = []
    for (text, start, end), bag in zip(sentences, sentence_bags, strict=True):
        weights = {c: w * idf.get(c, math.log(1 + n) * (_UNSEEN_WORD if w == _WORD else 1.0))
                   for c, w in bag.items()} if n else {}
        total = sum(weights.values())
        if not total:
            out.append(SentenceSupport(text, start, end, (), 0.0, False))
            continue
        scored = []
        for index, span_bag in enumerate(span_bags):
            shared = [c for c in weights if c in span_bag]
            if shared:
                held = sum(weights[c] for c in shared) / total
                precision = sum(span_bag[c] * idf[c] for c in shared) / span_mass[index]
                scored.append((held + _TIE * precision, held, index))
        scored.sort(key=lambda item: (-item[0], item[2]))
        best = scored[0][1] if scored else 0.0
        kept = [(held, index) for _, held, index in scored[:MAX_SPANS] if held >= KEEP_RATIO * best]
        # A negated span ("PMH: no asthma.") holds the words of a sentence that affirms them
        # ("The patient has asthma.") but says the reverse: it lends that sentence no support,
        # though it is still shown. (The other way round is left alone: a negated note sentence
        # is often supported by a question and a bare "No." in another span.)
        negated = _NOT in bag
        agreeing = [index for _, index in kept if negated or _NOT not in span_bags[index]]
        union = {c for index in agreeing for c in span_bags[index]}
        coverage = sum(w for c, w in weights.items() if c in union) / total
        chosen = tuple(SourceSpan(spans[i].start, spans[i].end, spans[i].field, held) for held, i in kept)
        out.append(SentenceSupport(text, start, end, chosen, coverage, coverage >= SUPPORT_THRESHOLD))
    return out


def supports_json(supports: list[SentenceSupport],
                  display: Callable[[str], str] = lambda text: text) -> list[dict[str, Any]]:
    """The trace as plain JSON, one object a summary sentence:
    ``{"sentence", "supported", "coverage", "spans": [{"field", "start", "end", "score"}]}``.

    ``display`` turns each de-identified sentence into the text shown (the pipeline maps
    surrogates back with it); spans stay offsets into the de-identified model input.
    """
    return [{"sentence": display(s.text), "supported": s.supported, "coverage": round(s.coverage, 3),
             "spans": [span.to_json() for span in s.spans]} for s in supports]
