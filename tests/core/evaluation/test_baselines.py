"""The rule-based structured baseline and lead-n."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from core.evaluation.baselines import (
    expand_abbreviations,
    lead_n,
    parse_fields,
    structured_baseline,
)
from core.evaluation.fidelity import check_fidelity
from core.evaluation.lexicon import Lexicon
from core.evaluation.sentences import split_sentences
from core.synth import SyntheticCorpus
from core.synth.lexicon import EPONYM_CONDITIONS

MTS = Path(__file__).resolve().parents[3] / "tests" / "data" / "mts-dialog" / "validation.jsonl"

SOURCE = (
    "diagnosis: CAD\n"
    "encounter.department: Cardiology\n"
    "medications: ASA 81 mg daily; NTG 0.4 mg SL PRN CP; metoprolol 25 mg PO BID\n"
    "patient_history: [NAME] is a 67 yo M who presents with CP and SOB x3d. PMH: HTN, DM2. Lives at [ADDRESS].\n"
    "treatment_plan: Start ASA, NTG, metoprolol. Obtain ECG and troponin. RTC 2 wks with [NAME]."
)


def test_structured_baseline_fills_the_template_and_spells_out_abbreviations(lexicon: Lexicon) -> None:
    assert structured_baseline(SOURCE, lexicon) == (
        "Patient presented with chest pain (CP) and shortness of breath (SOB) for 3 days. "
        "Past medical history includes hypertension (HTN) and type 2 diabetes mellitus (DM2). "
        "Diagnosis: coronary artery disease (CAD). "
        "Medications: aspirin (ASA) 81 mg daily, nitroglycerin (NTG) 0.4 mg sublingually as needed for chest pain "
        "and metoprolol 25 mg by mouth twice daily. "
        "Workup includes electrocardiogram (ECG) and troponin. "
        "Follow-up in 2 weeks."
    )


def test_structured_baseline_is_faithful_to_its_source(lexicon: Lexicon) -> None:
    result = check_fidelity(SOURCE, structured_baseline(SOURCE, lexicon), lexicon)
    assert result.hallucinated == [] and result.number_errors == [] and result.omitted == []


def test_missing_fields_leave_their_sentences_out(lexicon: Lexicon) -> None:
    source = "diagnosis: COPD\ntreatment_plan: Continue albuterol and tiotropium. Check PFTs. F/u in 1 mo."
    assert structured_baseline(source, lexicon) == (
        "Diagnosis: chronic obstructive pulmonary disease (COPD). Medications: albuterol and tiotropium. "
        "Workup includes pulmonary function tests (PFTs). Follow-up in 1 month.")


def test_history_sentences_do_not_count_as_the_presentation(lexicon: Lexicon) -> None:
    source = "history: PMH: HTN. Now with headache x 2 days.\ndiagnosis: migraine"
    assert structured_baseline(source, lexicon) == (
        "Patient presented with headache for 2 days. Past medical history includes hypertension (HTN). "
        "Diagnosis: migraine.")


def test_free_text_and_dialogues_fall_back_to_lead_2(lexicon: Lexicon) -> None:
    text = "Patient reports chest pain. It started yesterday. No fever."
    assert structured_baseline(text, lexicon) == "Patient reports chest pain. It started yesterday."
    dialogue = "Doctor: What brings you in?\nPatient: My back hurts.\nDoctor: Since when?"
    assert structured_baseline(dialogue, lexicon) == "Doctor: What brings you in? Patient: My back hurts."
    records = [json.loads(line) for line in MTS.read_text(encoding="utf-8").splitlines()]
    assert all(structured_baseline(r["dialogue"], lexicon) == lead_n(r["dialogue"], 2) for r in records)


def test_fields_without_clinical_content_fall_back_to_lead_2(lexicon: Lexicon) -> None:
    source = "encounter.department: Cardiology\nvisit_type: outpatient"
    assert structured_baseline(source, lexicon) == lead_n(source, 2)


def test_free_text_words_never_reach_the_output(lexicon: Lexicon, synthetic: SyntheticCorpus,
                                                synthetic_pairs: list[tuple[str, str]]) -> None:
    """On raw synthetic records (PHI not removed) the baseline writes no PHI value: free-text
    fields contribute only lexicon terms and durations. (An eponymous condition the baseline
    expands, "Hodgkin Lymphoma (HL)", may share its surname with a clinician: it is masked.)"""
    phi: dict[str, set[str]] = {}
    for span in synthetic.gold:
        if span.path in ("patient_history", "treatment_plan", "notes") and len(span.text) >= 3:
            phi.setdefault(span.record_id, set()).add(span.text)
    for record, (source, _) in zip(synthetic.records, synthetic_pairs, strict=True):
        output = structured_baseline(source, lexicon)
        for cond in EPONYM_CONDITIONS:
            output = re.sub(re.escape(cond.name), "", output, flags=re.IGNORECASE)
        assert [text for text in phi.get(record["id"], ()) if text in output] == [], record["id"]


def test_parse_fields_maps_keys_to_roles() -> None:
    source = "encounter.diagnosis: RA\nMeds: MTX 15 mg weekly\nmeds[1]: folic acid 1 mg\nChief-Complaint: joint pain"
    assert parse_fields(source) == {"diagnosis": "RA", "medications": "MTX 15 mg weekly; folic acid 1 mg",
                                    "presentation": "joint pain"}
    assert parse_fields("Doctor: Hello.\nPatient: Hi.") == {}


def test_expand_abbreviations(lexicon: Lexicon) -> None:
    assert expand_abbreviations("CAD, HTN; on ASA", lexicon) == (
        "coronary artery disease (CAD), hypertension (HTN); on aspirin (ASA)")
    assert expand_abbreviations("aspirin (ASA) and ASA (aspirin)", lexicon) == "aspirin (ASA) and ASA (aspirin)"
    assert expand_abbreviations("metoprolol 25 mg PO BID", lexicon, dosing=True) == (
        "metoprolol 25 mg by mouth twice daily")
    assert expand_abbreviations("no abbreviations here", lexicon) == "no abbreviations here"


def test_lead_n_takes_the_first_sentences() -> None:
    text = "Seen by Dr. Smith today. Chest pain x3d.\nNo fever. Plan: ECG."
    assert lead_n(text, 3) == "Seen by Dr. Smith today. Chest pain x3d. No fever."
    assert lead_n(text) == lead_n(text, 3)
    assert lead_n(text, 1) == split_sentences(text)[0]
    assert lead_n(text, 10) == " ".join(split_sentences(text))
    assert lead_n("", 3) == ""
    with pytest.raises(ValueError, match="at least 1"):
        lead_n(text, 0)
