"""Recall of the pattern detectors on a small synthetic corpus (gold spans from the generator).

Every gold span of a category the patterns own, in a free-text field, must be found: its
tokens overlapped by detections (token recall), and the span covered by a detection of the
same category. Names and facilities belong to other detectors.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from core.synth import generate_corpus
from core.synth.spans import FREE_TEXT_FIELDS
from privacy.deid.patterns import detect_patterns

OWNED = ("DATE", "AGE", "PHONE", "FAX", "EMAIL", "SSN", "MRN", "ACCOUNT", "HEALTH_PLAN", "LICENSE", "DEVICE",
         "VEHICLE", "URL", "IP", "ADDRESS", "CITY", "ZIP")
_TOKEN = re.compile(r"\S+")


@pytest.fixture(scope="module")
def measured() -> tuple[Counter[str], Counter[str], Counter[str], Counter[str], list[str]]:
    corpus = generate_corpus(400, seed=3)  # never seed 7: that is the acceptance corpus
    by_field: dict[tuple[str, str], list] = {}
    for span in corpus.gold:
        if span.path in FREE_TEXT_FIELDS and span.category in OWNED:
            by_field.setdefault((span.record_id, span.path), []).append(span)
    tokens, tokens_hit, spans, spans_exact = Counter(), Counter(), Counter(), Counter()
    misses: list[str] = []
    for record in corpus.records:
        for path in FREE_TEXT_FIELDS:
            gold = by_field.get((record["id"], path))
            if not gold:
                continue
            text = record[path]
            detections = detect_patterns(text)
            for span in gold:
                cat = span.category
                for tok in _TOKEN.finditer(text, span.start, span.end):
                    tokens[cat] += 1
                    if any(d.start < tok.end() and tok.start() < d.end for d in detections):
                        tokens_hit[cat] += 1
                spans[cat] += 1
                if any(d.category.value == cat and d.start <= span.start and span.end <= d.end for d in detections):
                    spans_exact[cat] += 1
                elif len(misses) < 20:
                    misses.append(f"{cat}: {span.text!r}")
    return tokens, tokens_hit, spans, spans_exact, misses


def test_every_owned_category_occurs(measured) -> None:
    _, _, spans, _, _ = measured
    assert {c for c in OWNED if spans[c] == 0} == set()


@pytest.mark.parametrize("category", OWNED)
def test_token_recall_per_category(measured, category: str) -> None:
    tokens, tokens_hit, _, _, misses = measured
    assert tokens_hit[category] / tokens[category] >= 0.99, misses


@pytest.mark.parametrize("category", OWNED)
def test_spans_found_whole_with_their_category(measured, category: str) -> None:
    _, _, spans, spans_exact, misses = measured
    assert spans_exact[category] / spans[category] >= 0.99, misses
