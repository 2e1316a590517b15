"""detect_patterns on odd input: valid spans always, offsets kept, no slow paths."""

from __future__ import annotations

import random
import time

import pytest

from privacy.deid.dates import shift_date
from privacy.deid.patterns import detect_patterns
from privacy.phi import PhiCategory as C

PIECES = ["3/14", "2023-03-14", "555-234-5678", "(555) 234-5678", "MRN ", "Acct ", "March ", "14th of ", "Tue ",
          "92 y/o ", "12 Main St", ", Springfield, IL 62704", "www.x.org", "a@b.com", "10.0.0.1", "::1", "SN-",
          "ENC", "lives in Boston", "P.O. Box 12", "ninety-two years old", "İ", "ß", "\u0130stanbul "]
CHARS = "0123456789/-.:() +#@aAbBzZMmaryJanTueSt,\n\tİß€"


def test_random_text_gives_valid_spans_and_shiftable_dates() -> None:
    rng = random.Random(20240314)
    for _ in range(3000):
        text = "".join(rng.choice(PIECES) if rng.random() < 0.3 else rng.choice(CHARS)
                       for _ in range(rng.randint(0, 50)))
        for det in detect_patterns(text):
            assert 0 <= det.start < det.end <= len(text)
            assert det.rule and not det.known
            if det.category is C.DATE:
                shift_date(text[det.start:det.end], 17)  # never raises


def test_offsets_survive_characters_whose_lower_case_is_longer() -> None:
    text = "İstanbul: seen March 14, 2023; İ www.x.org; lives in Boston; İ 3/14"
    assert len(text.lower()) != len(text)
    found = [(d.category.value, text[d.start:d.end]) for d in detect_patterns(text)]
    assert found == [("DATE", "March 14, 2023"), ("URL", "www.x.org"), ("CITY", "Boston"), ("DATE", "3/14")]


def test_empty_and_plain_text() -> None:
    assert detect_patterns("") == []
    assert detect_patterns("No PHI here at all, just words.") == []


def test_detections_come_sorted() -> None:
    text = "Call 555-234-5678 on March 14 re MRN 1234567, seen 3/14."
    starts = [d.start for d in detect_patterns(text)]
    assert starts == sorted(starts)


@pytest.mark.parametrize("unit", ["a1", "1 ", "1-", "1/", "Ab12-", "March ", "12 Main ", "x.com/", "a@", "1" * 7])
def test_adversarial_input_stays_linear(unit: str) -> None:
    text = unit * (60_000 // len(unit))
    start = time.perf_counter()
    detect_patterns(text)
    assert time.perf_counter() - start < 3.0
