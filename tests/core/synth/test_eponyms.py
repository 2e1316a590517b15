"""Eponymous conditions are vocabulary, never spans; eponym-surname clinicians are names."""

from __future__ import annotations

import re

from core.synth import SyntheticCorpus
from core.synth.lexicon import EPONYM_CONDITIONS, EPONYM_SURNAMES

FREE_TEXT = ("patient_history", "treatment_plan", "notes")


def test_eponymous_conditions_appear_outside_spans(corpus: SyntheticCorpus, spans_by_record) -> None:
    names = {"Parkinson's disease", "Hodgkin lymphoma", "Alzheimer's disease", "Crohn's disease",
             "Graves' disease", "Hashimoto's thyroiditis", "Bell's palsy", "Cushing's syndrome",
             "Addison's disease", "Barrett's esophagus"}
    assert names == {c.name for c in EPONYM_CONDITIONS}
    seen = set()
    for record in corpus.records:
        spans = spans_by_record[record["id"]]
        for field in FREE_TEXT + ("diagnosis", "summary"):
            text = record.get(field, "")
            covered = [(s.start, s.end) for s in spans if s.path == field]
            for name in names:
                for m in re.finditer(re.escape(name), text, re.I):
                    seen.add(name)
                    assert not any(a < m.end() and m.start() < b for a, b in covered), (record["id"], name)
    assert len(seen) >= 7, seen


def test_eponym_surname_clinicians_are_name_spans(corpus: SyntheticCorpus) -> None:
    surnames = set(EPONYM_SURNAMES)
    in_text = 0
    for span in corpus.gold:
        if span.category != "NAME":
            continue
        if span.path.split(".")[0] in FREE_TEXT and span.text.split(" ")[-1].title() in surnames:
            in_text += 1
    attendings = {r["encounter"]["attending"].split(" ")[-1] for r in corpus.records}
    assert attendings & surnames
    assert in_text >= 3


def test_patients_and_relatives_never_get_eponym_surnames(corpus: SyntheticCorpus) -> None:
    for record in corpus.records:
        assert record["patient_name"].split(" ")[-1] not in EPONYM_SURNAMES
        for contact in record.get("contacts", []):
            assert contact["name"].split(" ")[-1] not in EPONYM_SURNAMES
