"""Sentence-level provenance: hand-written clinical notes, then the synthetic corpus's gold fields."""

from __future__ import annotations

from core.config import RecordsConfig
from core.evaluation.lexicon import Lexicon
from core.evaluation.provenance import SUPPORT_THRESHOLD, SentenceSupport, source_spans, trace
from core.records.flatten import model_input
from core.synth import SyntheticCorpus

NOTE = (
    "diagnosis: DM2\n"
    "medications: metformin 500 mg PO BID; lisinopril 10 mg daily\n"
    "patient_history: 58 yo M with polyuria and SOB x3 days. PMH notable for HTN. No known allergies.\n"
    "treatment_plan: Start metformin. Check HbA1c and BMP. F/u in 2 wks."
)


def _one(source: str, sentence: str, lexicon: Lexicon) -> SentenceSupport:
    (support,) = trace(source, sentence, lexicon)
    return support


def _best(source: str, support: SentenceSupport) -> str:
    return source[support.spans[0].start:support.spans[0].end]


def test_list_items_and_sentences_are_spans_of_their_field() -> None:
    spans = [(field, NOTE[start:end]) for field, start, end in source_spans(NOTE)]
    assert ("medications", "metformin 500 mg PO BID") in spans and ("medications", "lisinopril 10 mg daily") in spans
    assert ("patient_history", "PMH notable for HTN.") in spans and ("diagnosis", "DM2") in spans
    assert all(not text.startswith(("diagnosis", "medications")) for _, text in spans)  # keys are not spans


def test_abbreviations_and_their_expansions_are_one_concept(lexicon: Lexicon) -> None:
    support = _one(NOTE, "Diagnosis: Type 2 Diabetes Mellitus (DM2).", lexicon)
    assert support.supported and support.spans[0].field == "diagnosis" and _best(NOTE, support) == "DM2"
    support = _one(NOTE, "A 58-year-old man presented with shortness of breath for 3 days.", lexicon)
    assert support.supported and _best(NOTE, support).startswith("58 yo M")  # SOB, x3 days
    support = _one(NOTE, "Past medical history includes hypertension.", lexicon)  # PMH spelled out, HTN
    assert support.supported and _best(NOTE, support) == "PMH notable for HTN."
    support = _one(NOTE, "Follow-up in 2 weeks.", lexicon)  # F/u, wks
    assert support.supported and _best(NOTE, support) == "F/u in 2 wks."


def test_doses_point_at_their_medication(lexicon: Lexicon) -> None:
    support = _one(NOTE, "He takes metformin 500 mg by mouth twice daily and lisinopril 10 mg daily.", lexicon)
    assert support.supported
    assert [NOTE[s.start:s.end] for s in support.spans] == ["metformin 500 mg PO BID", "lisinopril 10 mg daily"]
    assert support.spans[0].score > support.spans[1].score  # best first


def test_a_different_number_lowers_support(lexicon: Lexicon) -> None:
    right = _one(NOTE, "Metformin 500 mg by mouth twice daily.", lexicon)
    wrong = _one(NOTE, "Metformin 1000 mg by mouth twice daily.", lexicon)
    assert right.coverage > wrong.coverage
    assert right.supported
    assert _one(NOTE, "Metformin 1000 mg three times daily was given.", lexicon).supported is False


def test_a_hallucinated_sentence_is_unsupported(lexicon: Lexicon) -> None:
    support = _one(NOTE, "He was also started on warfarin 5 mg daily for atrial fibrillation.", lexicon)
    assert not support.supported and support.coverage < SUPPORT_THRESHOLD


def test_a_sentence_that_affirms_what_the_record_negates_is_unsupported(lexicon: Lexicon) -> None:
    assert not _one(NOTE, "The patient has known allergies.", lexicon).supported  # "No known allergies."
    negated = _one(NOTE, "No known allergies.", lexicon)
    assert negated.supported and _best(NOTE, negated) == "No known allergies."
    source = "patient_history: 54 yo M with cough. PMH: no asthma. Denies fever."
    assert not _one(source, "The patient has asthma.", lexicon).supported
    assert not _one(source, "He reports fever.", lexicon).supported
    assert _one(source, "He denies fever.", lexicon).supported


def test_stop_words_alone_support_nothing(lexicon: Lexicon) -> None:
    support = _one(NOTE, "It was with them in the end.", lexicon)  # every word is also in no span or a stop word
    assert support == SentenceSupport("It was with them in the end.", 0, 28, (), 0.0, False)


def test_redaction_tags_are_no_support(lexicon: Lexicon) -> None:
    source = "patient_history: [NAME] seen on [DATE] at [FACILITY]."
    support = _one(source, "[NAME] at [FACILITY], [DATE].", lexicon)
    assert support.spans == () and not support.supported
    assert _one(source, "[NAME] was seen on [DATE].", lexicon).spans[0].field == "patient_history"  # "seen"


def test_offsets_point_into_both_texts(lexicon: Lexicon) -> None:
    summary = "Diagnosis: DM2.  Follow-up in 2 weeks."
    supports = trace(NOTE, summary, lexicon)
    assert [summary[s.start:s.end] for s in supports] == [s.text for s in supports] == \
        ["Diagnosis: DM2.", "Follow-up in 2 weeks."]


def test_field_names_keep_a_dialogue_one_field(lexicon: Lexicon) -> None:
    source = "dialogue: Doctor: Any chest pain?\nPatient: Yes, for two days."
    assert {f for f, _, _ in source_spans(source)} == {"dialogue", "Patient"}
    assert {f for f, _, _ in source_spans(source, field_names={"dialogue"})} == {"dialogue"}
    support = trace(source, "The patient reports chest pain for 2 days.", lexicon, field_names={"dialogue"})[0]
    assert support.supported and {s.field for s in support.spans} == {"dialogue"}


def test_synthetic_summaries_trace_to_the_fields_they_were_written_from(synthetic: SyntheticCorpus,
                                                                        lexicon: Lexicon) -> None:
    """The generator's gold: the top span lies in a field the sentence came from (≥ 0.9)."""
    config = RecordsConfig()
    sentences = hits = 0
    for record, plan in zip(synthetic.records[:100], synthetic.summary_sources[:100], strict=True):
        supports = trace(model_input(record, config), record["summary"], lexicon, field_names=set(record))
        assert [s.text for s in supports] == [sentence for sentence, _ in plan]
        for support, (_, fields) in zip(supports, plan, strict=True):
            sentences += 1
            hits += bool(support.spans) and support.spans[0].field in fields
    assert hits / sentences >= 0.9
