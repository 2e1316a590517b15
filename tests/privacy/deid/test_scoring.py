"""Token- and entity-level scoring against gold spans, by hand-computed cases."""

from __future__ import annotations

from privacy.deid.scoring import Span, score

TEXT = "Maria Lopez seen 03/14/2023 by Dr Chen"
#       0     6     12   17         28 31 34


def _span(start: int, end: int, category: str) -> Span:
    return Span("r1", "note", start, end, category)


def test_perfect_detection() -> None:
    gold = [_span(0, 11, "NAME"), _span(17, 27, "DATE"), _span(34, 38, "NAME")]
    result = score({("r1", "note"): TEXT}, gold, gold, {"r1": {"maria", "lopez"}}).to_json()
    assert result["token"]["overall"] == {"tp": 6, "fp": 0, "fn": 0, "recall": 1.0, "precision": 1.0, "f1": 1.0}
    assert result["patient_name_tokens"] == 2 and result["patient_name_tokens_missed"] == 0


def test_partial_miss_and_false_positive() -> None:
    gold = [_span(0, 11, "NAME"), _span(17, 27, "DATE"), _span(34, 38, "NAME")]
    pred = [_span(6, 11, "NAME"), _span(17, 27, "DATE"), _span(31, 33, "NAME")]  # misses Maria, Chen; flags "Dr"
    result = score({("r1", "note"): TEXT}, gold, pred, {"r1": {"maria", "lopez"}}).to_json()
    name = result["token"]["by_category"]["NAME"]
    assert (name["tp"], name["fn"], name["fp"]) == (1, 2, 1)
    assert result["token"]["by_category"]["DATE"]["recall"] == 1.0
    overall = result["token"]["overall"]
    assert overall["recall"] == round(4 / 6, 4) and overall["precision"] == round(4 / 5, 4)
    assert result["patient_name_tokens_missed"] == 1
    entity = result["entity"]["by_category"]["NAME"]
    assert (entity["tp"], entity["fn"], entity["fp"]) == (1, 1, 1)


def test_category_mismatch_still_counts_as_found() -> None:
    gold = [_span(17, 27, "DATE")]
    pred = [_span(17, 27, "PHONE")]
    result = score({("r1", "note"): TEXT}, gold, pred).to_json()
    assert result["token"]["by_category"]["DATE"]["recall"] == 1.0
    assert result["token"]["overall"]["precision"] == 1.0
