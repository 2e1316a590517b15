"""Shared synthetic corpora for the synth tests (generated once per session)."""

from __future__ import annotations

from collections import defaultdict

import pytest

from core.synth import GoldSpan, SyntheticCorpus, generate_corpus

N_RECORDS = 300
SEED = 20240601


@pytest.fixture(scope="session")
def corpus() -> SyntheticCorpus:
    """A 300-record corpus with a fixed seed."""
    return generate_corpus(N_RECORDS, SEED)


@pytest.fixture(scope="session")
def spans_by_record(corpus: SyntheticCorpus) -> dict[str, list[GoldSpan]]:
    """Gold spans grouped by record id."""
    grouped: dict[str, list[GoldSpan]] = defaultdict(list)
    for span in corpus.gold:
        grouped[span.record_id].append(span)
    return dict(grouped)


@pytest.fixture(scope="session")
def free_text_spans(corpus: SyntheticCorpus) -> list[tuple[GoldSpan, str]]:
    """Every gold span inside a free-text field, with that field's full text."""
    by_id = {r["id"]: r for r in corpus.records}
    return [(s, by_id[s.record_id][s.path]) for s in corpus.gold
            if s.path in ("patient_history", "treatment_plan", "notes")]
