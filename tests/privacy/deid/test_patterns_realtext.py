"""Precision on real clinical language: the MTS-Dialog validation conversations and notes.

MTS-Dialog is de-identified at the source, so what still fires must be a real date element
(those are left in the text: "on 01/10/09", "January tenth two thousand nine") or the age of a
relative over 89; anything else the detectors report there is a false positive.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from privacy.deid.dates import parse_date
from privacy.deid.patterns import detect_patterns
from privacy.phi import PhiCategory as C

MTS = Path(__file__).resolve().parents[2] / "data" / "mts-dialog" / "validation.jsonl"


@pytest.fixture(scope="module")
def mts_texts() -> list[str]:
    rows = [json.loads(line) for line in MTS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row["dialogue"] for row in rows] + [row["summary"] for row in rows]


def test_few_detections_and_each_is_a_real_date_or_old_age(mts_texts: list[str]) -> None:
    found = [(d, text[d.start:d.end]) for text in mts_texts for d in detect_patterns(text)]
    false = [(d.category.value, value) for d, value in found
             if not ((d.category is C.DATE and parse_date(value) is not None)
                     or (d.category is C.AGE and (value.isdigit() and int(value) >= 90
                                                  or value.lower().startswith(("ninety", "one hundred")))))]
    assert false == []
    dialogue_hits = [d for text in mts_texts[:100] for d in detect_patterns(text)]
    assert len(dialogue_hits) <= 10  # measured: 6, all spoken dates
    assert len(found) <= 25  # measured: 14


def test_no_clinical_number_is_reported_in_the_dialogues(mts_texts: list[str]) -> None:
    numbers = re.compile(r"\d+(?:[/.\-]\d+)*")
    for text in mts_texts:
        spans = [(d.start, d.end) for d in detect_patterns(text)]
        for m in numbers.finditer(text):
            if any(s <= m.start() < e for s, e in spans):
                assert parse_date(m.group(0)) is not None or m.group(0).isdigit(), m.group(0)


@pytest.mark.parametrize("sentence", [
    "Doctor: How would you rate your pain on a scale of one to ten? Patient: About a 7 out of 10.",
    "Patient: I take 40 mg of Lipitor and 25 mg of metoprolol, twice a day.",
    "Doctor: Your blood pressure is 120/80 and your pulse is 72.",
    "Patient: I've had this for 5 days, maybe 2 weeks. It started 10 years ago.",
    "Doctor: Your A1c is 7.2, creatinine 1.1, and potassium 4.5.",
    "Patient: I smoked 1-2 packs a day from 1985 until 2009.",
    "Doctor: The pain is 6/10 today, 10/10 at its worst. Strength is 5/5.",
    "Patient: I was born in March, in Texas. I moved here in May.",
    "The patient is a 76-year-old white female who presents with 2-3 episodes a week.",
    "VITAL SIGNS: Blood pressure is 125/75. His weight is 197 with height 5 feet 10 inches.",
    "Micronase 2.5 mg Tab PO QAM #30. Bactrim 400/80 Tab PO BID #30.",
    "Temperature of 100.3, white count of 13.3, platelet count of 26,000.",
    "Doctor: Go to Room 12, then Level 3 Trauma Center. Call me at 9 tomorrow.",
])
def test_real_sentences_are_clean(sentence: str) -> None:
    assert [(d.category.value, sentence[d.start:d.end]) for d in detect_patterns(sentence)] == []
