"""Property: whatever record the generator makes, none of its PHI survives ``redact``.

Every gold span must lie wholly inside text that was replaced, so not one character of it
reaches the output; and no token of the patient's name appears anywhere in the output.
"""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.synth import generate_corpus
from core.synth.spans import resolve_path
from privacy.deid.engine import Deidentifier


def _covered(start: int, end: int, intervals: list[tuple[int, int]]) -> bool:
    pos = start
    for s, e in sorted(intervals):
        if s <= pos < e:
            pos = e
        if pos >= end:
            return True
    return pos >= end


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=10**9), n=st.integers(min_value=1, max_value=4))
def test_generated_phi_never_survives_redact(seed: int, n: int) -> None:
    corpus = generate_corpus(n, seed)
    engine = Deidentifier()
    for record in corpus.records:
        outcome = engine.deidentify(record, record["mrn"], strategy="redact")
        replaced: dict[str, list[tuple[int, int]]] = {}
        for f in outcome.findings:
            replaced.setdefault(f.path, []).append((f.start, f.end))
        for span in (g for g in corpus.gold if g.record_id == record["id"]):
            assert str(resolve_path(record, span.path))[span.start:span.end] == span.text
            assert _covered(span.start, span.end, replaced.get(span.path, [])), (span.category, span.path)
        dumped = json.dumps(outcome.record).casefold()
        for token in re.findall(r"\w{3,}", record["patient_name"]):
            assert not re.search(rf"\b{re.escape(token.casefold())}\b", dumped), "patient name survived"
