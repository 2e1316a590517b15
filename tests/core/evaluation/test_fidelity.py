"""Clinical fidelity: hallucinated and omitted entities, number errors, and their aggregate."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from core.evaluation.fidelity import Fidelity, aggregate_fidelity, check_fidelity
from core.evaluation.lexicon import Lexicon, LexiconError, load_lexicon

SOURCE = ("diagnosis: CAD\nmedications: ASA 81 mg daily; atorvastatin 40 mg QHS\n"
          "patient_history: 67 yo M c/o CP x3d. PMH: HTN.")


def test_faithful_summary_has_no_flags(lexicon: Lexicon) -> None:
    summary = ("A 67-year-old man presented with chest pain for 3 days. History of hypertension (HTN). "
               "Diagnosis: coronary artery disease. Aspirin 81 mg daily and atorvastatin 40 mg at bedtime.")
    result = check_fidelity(SOURCE, summary, lexicon)
    assert result == Fidelity(hallucinated=[], omitted=[], number_errors=[],
                              supported=["chest pain", "hypertension", "coronary artery disease", "aspirin",
                                         "atorvastatin", "at bedtime"],
                              covered=["coronary artery disease", "aspirin", "atorvastatin", "at bedtime",
                                       "chest pain", "hypertension"])
    assert not result.flagged


def test_invented_drug_is_hallucinated(lexicon: Lexicon) -> None:
    summary = "Coronary artery disease with chest pain and hypertension; aspirin, atorvastatin and warfarin at bedtime."
    result = check_fidelity(SOURCE, summary, lexicon)
    assert result.hallucinated == ["warfarin"]
    assert result.omitted == [] and result.flagged


def test_brand_name_of_a_source_drug_is_supported(lexicon: Lexicon) -> None:
    assert check_fidelity("on Lipitor 40 mg", "atorvastatin 40 mg", lexicon).hallucinated == []


def test_changed_dose_is_a_number_error(lexicon: Lexicon) -> None:
    summary = "Atorvastatin 400 mg at bedtime and aspirin 81 milligrams daily for 3 days; BP 120/80."
    result = check_fidelity(SOURCE, summary, lexicon)
    assert result.number_errors == ["400 mg", "120/80"]  # 81 milligrams = 81 mg; 3 days = x3d


def test_same_value_with_another_unit_is_a_number_error(lexicon: Lexicon) -> None:
    assert check_fidelity("ASA 81 mg", "aspirin 81 g", lexicon).number_errors == ["81 g"]
    assert check_fidelity("x 2 wks", "for 2 days", lexicon).number_errors == ["2 days"]


def test_abbreviation_in_source_matches_expansion_in_summary(lexicon: Lexicon) -> None:
    result = check_fidelity("PMH: HTN, SOB, DM2", "Hypertension, shortness of breath, type 2 diabetes mellitus.",
                            lexicon)
    assert result.supported == ["hypertension", "shortness of breath", "type 2 diabetes mellitus"]
    assert result.hallucinated == result.omitted == []


def test_omitted_entity_is_detected(lexicon: Lexicon) -> None:
    result = check_fidelity(SOURCE, "Coronary artery disease treated with aspirin.", lexicon)
    assert result.omitted == ["atorvastatin", "at bedtime", "chest pain", "hypertension"]
    assert result.covered == ["coronary artery disease", "aspirin"]


def test_generalisation_is_supported_but_specialisation_and_negation_are_not(lexicon: Lexicon) -> None:
    general = check_fidelity("DM2 on insulin glargine", "Diabetes mellitus on insulin.", lexicon)
    assert general.hallucinated == [] and general.omitted == []
    specific = check_fidelity("diabetes mellitus", "type 2 diabetes mellitus", lexicon)
    assert specific.hallucinated == ["type 2 diabetes mellitus"] and specific.omitted == []
    negated = check_fidelity("non-Hodgkin lymphoma", "Hodgkin lymphoma", lexicon)
    assert negated.hallucinated == ["Hodgkin lymphoma"] and negated.omitted == ["non-Hodgkin lymphoma"]


def test_aggregate_on_a_hand_computed_example(lexicon: Lexicon) -> None:
    first = check_fidelity("HTN, on lisinopril 10 mg", "Hypertension treated with lisinopril 20 mg and metformin.",
                           lexicon)
    # summary: hypertension, lisinopril supported; metformin hallucinated; 20 mg a number error
    # source: hypertension, lisinopril covered
    second = check_fidelity("CAD and DM2; ASA 81 mg", "Coronary artery disease.", lexicon)
    # summary: coronary artery disease supported
    # source: coronary artery disease covered; type 2 diabetes mellitus, aspirin omitted
    third = check_fidelity("no entities here", "none here either", lexicon)
    assert aggregate_fidelity([first, second, third]) == {
        "precision": 3 / 4,  # 3 supported of 4 summary entities
        "recall": 3 / 5,  # 3 covered of 5 source entities
        "summaries": 3, "summary_entities": 4, "source_entities": 5,
        "hallucinated": 1, "omitted": 2, "number_errors": 1,
        "summaries_flagged": 2, "summaries_with_hallucination": 1, "summaries_with_omission": 1,
        "summaries_with_number_error": 1,
    }


def test_aggregate_of_nothing_is_vacuously_perfect() -> None:
    result = aggregate_fidelity([])
    assert result["precision"] == result["recall"] == 1.0 and result["summaries"] == 0


def test_synthetic_references_are_faithful(lexicon: Lexicon, synthetic_pairs: list[tuple[str, str]]) -> None:
    """The synthetic corpus's reference summaries against their model inputs: no number error
    and no hallucination except omeprazole, which core.synth writes for "PPI" (the drug class)."""
    results = [check_fidelity(source, summary, lexicon) for source, summary in synthetic_pairs]
    assert [r.number_errors for r in results if r.number_errors] == []
    assert set(Counter(name for r in results for name in r.hallucinated)) <= {"omeprazole"}
    assert aggregate_fidelity(results)["recall"] > 0.9  # omissions: vital signs, shorthand the summary drops


def test_bad_lexicon_line_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "site-lexicon.tsv"
    path.write_text("drug\tzorbutinib\t\ncondition zorbutinib toxicity\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"site-lexicon\.tsv, line 2: expected kind<TAB>term<TAB>expansion"):
        load_lexicon(path)


def test_the_summarize_hook_gives_plain_json_flags() -> None:
    import json

    from core.evaluation.fidelity import fidelity_flags
    from core.evaluation.lexicon import load_lexicon

    flag = fidelity_flags(load_lexicon())
    flags = flag("Rx: metformin 500 mg BID for DM2.", "Started warfarin 5000 mg daily.")
    assert flags["flagged"] and "warfarin" in flags["hallucinated"] and flags["number_errors"]
    assert json.loads(json.dumps(flags)) == flags
