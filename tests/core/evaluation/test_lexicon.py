"""The clinical lexicon: its file format, its errors, extension by a local file, and matching."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from core.errors import MedsumError
from core.evaluation.lexicon import (
    DEFAULT_LEXICON,
    Entity,
    Lexicon,
    LexiconError,
    load_lexicon,
    read_lexicon_file,
)
from core.synth import lexicon as synth

ROOT = Path(__file__).resolve().parents[3]


def _file(tmp_path: Path, text: str, name: str = "local.tsv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _names(lexicon: Lexicon, text: str) -> list[tuple[str, str, str]]:
    return [(e.kind, e.canonical, e.surface) for e in lexicon.find(text)]


def test_shipped_file_is_valid_and_large(lexicon: Lexicon) -> None:
    entries = read_lexicon_file(DEFAULT_LEXICON)
    kinds = {kind: sum(1 for e in entries if e.kind == kind) for kind in ("drug", "condition", "abbrev")}
    assert kinds["drug"] > 300 and kinds["condition"] > 200 and kinds["abbrev"] > 150, kinds
    assert len(lexicon) >= len(entries)


def test_find_gives_kind_canonical_surface_and_offsets(lexicon: Lexicon) -> None:
    text = "Hx of HTN and DM2, on ASA 81 mg and Lipitor."
    found = lexicon.find(text)
    assert found[0] == Entity("condition", "hypertension", "HTN", 6, 9)
    assert [(e.kind, e.canonical) for e in found] == [
        ("condition", "hypertension"), ("condition", "type 2 diabetes mellitus"), ("drug", "aspirin"),
        ("drug", "atorvastatin")]
    assert all(text[e.start:e.end] == e.surface for e in found)


def test_abbreviation_and_expansion_are_the_same_entity(lexicon: Lexicon) -> None:
    assert lexicon.find("HTN")[0].canonical == lexicon.find("hypertension")[0].canonical == "hypertension"
    assert lexicon.find("SOB")[0].canonical == lexicon.find("Shortness of Breath")[0].canonical
    assert lexicon.find("ECG")[0].canonical == lexicon.find("EKG")[0].canonical == "electrocardiogram"
    assert lexicon.canonical("CAD") == "coronary artery disease"
    assert lexicon.kind("ASA") == "drug" and lexicon.kind("BID") == "abbrev"
    assert lexicon.expansion("CAD") == "coronary artery disease"
    assert lexicon.expansion("aspirin") is None and lexicon.expansion("not a term") is None


def test_matching_ignores_case_except_for_capitals_only_abbreviations(lexicon: Lexicon) -> None:
    assert _names(lexicon, "METFORMIN and Metformin") == [("drug", "metformin", "METFORMIN"),
                                                          ("drug", "metformin", "Metformin")]
    # "cad", "sob", "ha" are English words; CAD, SOB, HA are abbreviations only in capitals
    assert lexicon.find("what a cad, she began to sob, ha") == []
    assert [e.canonical for e in lexicon.find("CAD, SOB, HA")] == [
        "coronary artery disease", "shortness of breath", "headache"]
    # mixed-case abbreviations match in any case
    assert [e.canonical for e in lexicon.find("afib, AFIB, hba1c")] == [
        "atrial fibrillation", "atrial fibrillation", "hemoglobin A1c"]


def test_word_boundaries_and_longest_match_first(lexicon: Lexicon) -> None:
    assert lexicon.find("HTNs aspirinate CADASIL") == []
    assert _names(lexicon, "congestive heart failure") == [("condition", "congestive heart failure",
                                                            "congestive heart failure")]
    assert _names(lexicon, "LE edema and CT head, then CT") == [
        ("condition", "lower extremity edema", "LE edema"),
        ("abbrev", "computed tomography of the head", "CT head"), ("abbrev", "computed tomography", "CT")]
    assert [e.canonical for e in lexicon.find("non-Hodgkin lymphoma")] == ["non-Hodgkin lymphoma"]


def test_spacing_and_apostrophes(lexicon: Lexicon) -> None:
    assert [e.canonical for e in lexicon.find("Graves\u2019 disease,  type   2 diabetes")] == [
        "Graves' disease", "type 2 diabetes mellitus"]
    assert [e.canonical for e in lexicon.find("N/V but not N / V")] == ["nausea and vomiting"]


def test_every_synthetic_corpus_term_is_covered(lexicon: Lexicon) -> None:
    """Conditions, symptoms, medications and abbreviated investigations of core.synth resolve
    to one entity, the same for the abbreviation and the spelled-out form."""
    for condition in synth.CONDITIONS:
        assert lexicon.canonical(condition.name) == condition.name, condition
        if condition.abbrev:
            assert lexicon.canonical(condition.abbrev) == condition.name, condition
    for symptom in synth.SYMPTOMS:
        assert lexicon.kind(symptom.expansion) == "condition", symptom
        if symptom.abbrev:
            assert lexicon.canonical(symptom.abbrev) == symptom.expansion, symptom
    for medication in synth.MEDICATIONS:
        assert lexicon.canonical(medication.generic) == medication.generic, medication
        if medication.abbrev and medication.abbrev != "PPI":  # PPI is a drug class, not omeprazole
            assert lexicon.canonical(medication.abbrev) == medication.generic, medication
    for test in synth.INVESTIGATIONS:
        if test.abbrev:
            short, long = lexicon.find(test.abbrev), lexicon.find(test.expansion)
            assert len(short) == 1 and long and short[0].canonical == long[0].canonical, test


def test_every_drug_of_the_deid_drug_list_is_covered(lexicon: Lexicon) -> None:
    lines = (ROOT / "privacy" / "deid" / "data" / "drugs.txt").read_text(encoding="utf-8").splitlines()
    drugs = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    words: set[str] = set()
    for entry in read_lexicon_file(DEFAULT_LEXICON):
        if entry.kind == "drug" or (entry.kind == "abbrev" and lexicon.kind(entry.term) == "drug"):
            words |= set(re.findall(r"[^\W_]+", f"{entry.term} {entry.expansion}".casefold()))
    assert [d for d in drugs if d not in words] == []


def test_brand_names_resolve_to_generics(lexicon: Lexicon) -> None:
    pairs = {"Lipitor": "atorvastatin", "Tylenol": "acetaminophen", "Coumadin": "warfarin", "Lasix": "furosemide",
             "Zithromax": "azithromycin", "Glucophage": "metformin", "Bactrim": "sulfamethoxazole-trimethoprim"}
    assert {brand: lexicon.canonical(brand) for brand in pairs} == pairs


def test_local_file_extends_and_overrides(tmp_path: Path) -> None:
    extra = _file(tmp_path, "# site terms\n\ndrug\tzorbutinib\t\nabbrev\thtn\thypertension\n"
                            "abbrev\tASA\tacetylsalicylic acid\ncondition\tFoo syndrome\n")
    lexicon = load_lexicon(extra)
    assert lexicon.canonical("zorbutinib") == "zorbutinib"
    assert [e.canonical for e in lexicon.find("htn")] == ["hypertension"]  # lower case added by the site
    assert lexicon.canonical("ASA") == "aspirin"  # the site's expansion is a synonym of aspirin
    assert lexicon.canonical("foo syndrome") == "Foo syndrome"  # two fields: no expansion
    assert load_lexicon().canonical("zorbutinib") is None  # the shipped lexicon is untouched


def test_local_file_is_reloaded_when_it_changes(tmp_path: Path) -> None:
    extra = _file(tmp_path, "drug\tzorbutinib\t\n")
    assert load_lexicon(extra).canonical("zorbutinib") == "zorbutinib"
    extra.write_text("drug\tzorbutinib\t\ndrug\tqualtinib\t\n", encoding="utf-8")
    os.utime(extra, (1, 1))
    assert load_lexicon(extra).canonical("qualtinib") == "qualtinib"


@pytest.mark.parametrize(("text", "problem"), [
    ("drug metformin\n", r"line 1: expected kind<TAB>term<TAB>expansion, found 1 tab-separated field$"),
    ("drug\ta\tb\tc\n", r"line 1: expected kind<TAB>term<TAB>expansion, found 4 tab-separated fields$"),
    ("# comment\nmedication\tmetformin\t\n", r"line 2: unknown kind 'medication'; use drug, condition or abbrev$"),
    ("drug\t  \t\n", r"line 1: the term is empty or has no letter or digit$"),
    ("abbrev\tXYZ\t--\n", r"line 1: the expansion has no letter or digit$"),
    ("drug\tmetformin\t\n\ndrug\tMetformin\t\n", r"line 3: 'Metformin' is already defined on line 1$"),
    ("abbrev\tAAX\tBBX\nabbrev\tBBX\tAAX\n", r"line 1: the expansion of 'AAX' leads back to itself$"),
])
def test_bad_line_names_file_and_line(tmp_path: Path, text: str, problem: str) -> None:
    path = _file(tmp_path, text)
    with pytest.raises(LexiconError) as caught:
        load_lexicon(path)
    message = str(caught.value)
    assert message.startswith(f"{path.resolve()}, line ") and "\n" not in message
    assert re.search(problem, message), message


def test_undecodable_line_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.tsv"
    path.write_bytes(b"drug\tmetformin\t\ndrug\tcaf\xe9ine\t\n")
    with pytest.raises(LexiconError, match=r"latin1\.tsv, line 2: not UTF-8 text$"):
        read_lexicon_file(path)
    with pytest.raises(LexiconError, match=r"cannot read lexicon file .*nowhere\.tsv"):
        load_lexicon(tmp_path / "nowhere.tsv")


def test_lexicon_error_is_a_one_line_medsum_error() -> None:
    assert issubclass(LexiconError, MedsumError)
