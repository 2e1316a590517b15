"""The PHI scan of generated summaries: new identifiers against ones carried from the input."""

from __future__ import annotations

from core.evaluation.phi_scan import scan_summaries


def test_a_clean_summary_has_no_findings() -> None:
    result = scan_summaries(["r1"], ["Patient with [NAME] seen for chest pain."], ["Chest pain, no acute findings."])
    assert result["findings"] == 0 and result["new"] == 0 and result["summaries_with_new"] == 0


def test_an_identifier_the_model_made_up_is_new_and_one_from_the_input_is_carried() -> None:
    sources = ["Seen by Dr. Alvarez on 03/14/2023 for cough.", "Follow-up for cough."]
    summaries = ["Dr. Alvarez saw the patient on 03/14/2023.", "Call 555-201-3344 or email jane.roe@example.org."]
    result = scan_summaries(["a", "b"], sources, summaries)
    carried = [p for p in result["places"] if p["carried_from_input"]]
    assert carried and all(p["id"] == "a" for p in carried)
    assert result["new"] >= 2 and result["summaries_with_new"] == 1
    assert set(result["new_by_category"]) >= {"PHONE", "EMAIL"}
    text = repr(result)
    assert "Alvarez" not in text and "555-201-3344" not in text  # positions and categories only
