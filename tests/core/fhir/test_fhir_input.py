"""FHIR input: resources, references, records at both levels, the token budget, strict validation."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from core.config import MedsumConfig
from core.evaluation.baselines import structured_baseline
from core.evaluation.lexicon import load_lexicon
from core.fhir.refs import ResourceIndex
from core.fhir.render import Section, estimate_tokens, render_sections
from core.fhir.resources import resources_of
from core.records import load_records, model_input
from core.records.problems import Location
from tests.core.fhir.fixtures import BUNDLES, NOTE, b64, small_bundle, write_json


def _config(**records: object) -> MedsumConfig:
    config = MedsumConfig()
    return config.model_copy(update={"records": config.records.model_copy(update=records)})


def _index(bundle: dict) -> ResourceIndex:
    resources, problems = resources_of(bundle, Location("b.json", 1))
    assert problems == []
    return ResourceIndex(resources)


def test_every_reference_form_resolves() -> None:
    index = _index(small_bundle())
    med = next(r for r in index.resources if r.type == "MedicationRequest")
    encounter = index.resources[2]
    assert index.resolve("urn:uuid:p1")["id"] == "p1"
    assert index.resolve("Patient/p1")["id"] == "p1"
    assert index.resolve("Patient/p1/_history/3")["id"] == "p1"
    assert index.resolve("http://example.org/fhir/Patient/p1")["id"] == "p1"
    assert index.resolve("Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999911111", encounter)["id"] == "dr1"
    assert index.resolve("Practitioner?identifier=9999911111")["id"] == "dr1"
    assert index.resolve("#med", med)["code"]["text"].startswith("atorvastatin")
    assert index.resolve("#med", encounter) is None  # contained only in its own resource
    assert index.resolve("Patient/p2") is None and index.resolve("Practitioner?name=Marrow") is None


def test_a_conditional_reference_matching_two_resources_does_not_resolve() -> None:
    bundle = small_bundle()
    twin = copy.deepcopy(bundle["entry"][1])
    twin["fullUrl"], twin["resource"]["id"] = "urn:uuid:dr2", "dr2"
    bundle["entry"].append(twin)
    assert _index(bundle).resolve("Practitioner?identifier=9999911111") is None


@pytest.mark.parametrize(("breakage", "message"), [
    (lambda b: b["entry"][4].pop("resource"), r"entry 4: resource must be an object, found null"),
    (lambda b: b["entry"][5]["resource"].pop("resourceType"), r"entry 5 \(resource/m1\): the resource has no resourceType"),
    (lambda b: b["entry"][6]["resource"].update(id=7), r"entry 6 \(Observation\): id must be a non-empty string"),
    (lambda b: b["entry"][3].update(fullUrl=5), r"entry 3 \(Encounter/e2\): fullUrl must be a string"),
    (lambda b: b.update(entry={}), r"Bundle: entry must be an array"),
])
def test_a_malformed_bundle_names_the_entry_and_the_resource(tmp_path: Path, breakage, message: str) -> None:
    bundle = small_bundle()
    breakage(bundle)
    result = load_records(write_json(tmp_path / "b.json", bundle), MedsumConfig(), require_target=False)
    assert result.problems, "the fault is reported"
    assert any(re.search(message, str(p)) for p in result.problems), result.problems
    text = " ".join(str(p) for p in result.problems)
    assert "Vale" not in text and "555-201" not in text  # never a value


def test_encounter_level_records_hold_their_encounter(tmp_path: Path) -> None:
    result = load_records(write_json(tmp_path / "b.json", small_bundle()), MedsumConfig(), require_target=False)
    assert result.problems == [] and result.fhir is not None
    assert [r.record_id for r in result.records] == ["e2", "e1"]  # latest first
    assert result.patient_count == 1 and result.fhir.skipped == {"Claim": 1}
    first = next(r for r in result.records if r.record_id == "e1")
    text = model_input(first.data, MedsumConfig().records)
    assert text.splitlines()[0] == "encounter: 2020-03-01 AMB Office visit"
    assert "patient: male, 49 years" in text and "reason_for_visit: Chest pain" in text
    assert "diagnoses: Hyperlipidemia" in text and "medications: atorvastatin 40 MG Oral Tablet" in text
    assert "observations: LDL Cholesterol 162.3 mg/dL" in text and f"notes: {NOTE}" in text
    # the identifying values sit in fields the de-identification knows, never in the model input
    assert {"Quentin123", "Quentin", "Vale45", "Vale"} <= set(first.data["name"])
    assert first.data["dob"] == "1970-05-02" and first.data["phone"] == ["555-201-7788"]
    assert "Ilse Marrow" in first.data["physician"]
    assert "Quentin123" not in text and "1970-05-02" not in text and "Orchard" not in text


def test_patient_level_record_lists_active_problems_and_current_medications(tmp_path: Path) -> None:
    path = write_json(tmp_path / "b.json", small_bundle())
    result = load_records(path, _config(fhir_level="patient"), require_target=False)
    [record] = result.records
    assert record.record_id == "p1" and record.data["fhir_level"] == "patient"
    text = model_input(record.data, MedsumConfig().records)
    assert "problems: Hyperlipidemia (since 2020-03-01)" in text
    assert "medications: atorvastatin 40 MG Oral Tablet" in text
    assert "recent_encounters: 2021-06-01 AMB Check up; 2020-03-01 AMB Office visit (reason: Chest pain)" in text


def test_the_budget_cuts_low_priority_items_and_counts_them() -> None:
    sections = [Section("diagnoses", ["Asthma", "Hypertension"], 1),
                Section("observations", [f"Weight {i} kg" for i in range(50)], 5),
                Section("medications", ["albuterol inhaler"], 2)]
    rendered = render_sections(sections, budget=30)
    assert rendered.tokens <= 30 and estimate_tokens(rendered.text) <= 30
    lines = rendered.text.splitlines()
    assert [line.split(":")[0] for line in lines] == ["diagnoses", "observations", "medications"]  # given order
    kept = lines[1].count("Weight")
    assert 0 < kept < 50 and rendered.cut == {"observations": 50 - kept}


def test_a_tight_budget_is_reported_by_the_loader(tmp_path: Path) -> None:
    path = write_json(tmp_path / "b.json", small_bundle())
    result = load_records(path, _config(fhir_max_tokens=30), require_target=False)
    assert result.fhir is not None and result.fhir.cut.get("notes") == 1
    assert "left out of the model input: notes 1" in result.fhir.describe()


def test_ndjson_bulk_export_resolves_references_across_files(tmp_path: Path) -> None:
    by_type: dict[str, list[str]] = {}
    for entry in small_bundle()["entry"]:
        by_type.setdefault(entry["resource"]["resourceType"], []).append(json.dumps(entry["resource"]))
    export = tmp_path / "export"
    export.mkdir()
    for rtype, lines in by_type.items():
        (export / f"{rtype}.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = load_records(export, MedsumConfig(), require_target=False)
    assert result.problems == [] and sorted(r.record_id for r in result.records) == ["e1", "e2"]
    e1 = next(r for r in result.records if r.record_id == "e1")
    assert "atorvastatin" in e1.data["fhir_text"] and NOTE in e1.data["fhir_text"]


def test_non_text_and_unreadable_notes_are_counted_not_used(tmp_path: Path) -> None:
    bundle = small_bundle()
    content = bundle["entry"][7]["resource"]["content"]
    content.append({"attachment": {"contentType": "application/pdf", "data": b64("%PDF-1.4")}})
    content.append({"attachment": {"contentType": "text/plain", "data": "not base64!"}})
    result = load_records(write_json(tmp_path / "b.json", bundle), MedsumConfig(), require_target=False)
    assert result.fhir is not None
    assert result.fhir.skipped["non-text note"] == 1 and result.fhir.skipped["unreadable note"] == 1


def test_strict_validation_names_the_entry_resource_and_element(tmp_path: Path) -> None:
    bundle = small_bundle()
    bundle["entry"][4]["resource"]["onsetDateTime"] = "yesterday"
    path = write_json(tmp_path / "b.json", bundle)
    assert load_records(path, MedsumConfig(), require_target=False).problems == []  # plain dicts: not checked
    result = load_records(path, _config(fhir_strict=True), require_target=False)
    assert result.records == [] and result.problems
    assert any("entry 4 (Condition/c1): onsetDateTime" in str(p) and "(R4B)" in str(p) for p in result.problems)


def test_summaries_pair_with_records_by_id(tmp_path: Path) -> None:
    path = write_json(tmp_path / "b.json", small_bundle())
    result = load_records(path, MedsumConfig(), summaries={"e1": "Chest pain; statin started."})
    assert [r.record_id for r in result.records] == ["e1"]
    assert result.records[0].data["summary"] == "Chest pain; statin started."
    assert [p.record for p in result.problems] == ["e2"]  # no summary for it


def test_structured_baseline_reads_fhir_records(tmp_path: Path) -> None:
    result = load_records(write_json(tmp_path / "b.json", small_bundle()), MedsumConfig(), require_target=False)
    e1 = next(r for r in result.records if r.record_id == "e1")
    summary = structured_baseline(model_input(e1.data, MedsumConfig().records), load_lexicon())
    assert "Diagnosis: Hyperlipidemia." in summary and "atorvastatin" in summary


@pytest.mark.parametrize("path", BUNDLES, ids=[p.name.split("_")[0] for p in BUNDLES])
def test_every_sample_bundle_gives_records_at_both_levels(path: Path) -> None:
    bundle = json.loads(path.read_text(encoding="utf-8"))
    encounters = sum(1 for e in bundle["entry"] if e["resource"]["resourceType"] == "Encounter")
    for level, expected in (("encounter", encounters), ("patient", 1)):
        config = _config(fhir_level=level, fhir_strict=True)
        result = load_records(path, config, require_target=False)
        assert result.problems == [] and len(result.records) == expected
        for record in result.records:
            text = model_input(record.data, config.records)
            assert text.startswith(("encounter: ", "patient: "))
            assert estimate_tokens(text) <= config.records.fhir_max_tokens
            for name in record.data["name"]:
                assert name not in text


def test_all_sample_bundles_load_as_one_input() -> None:
    result = load_records(BUNDLES[0].parent, MedsumConfig(), require_target=False)
    assert result.problems == [] and result.patient_count == 12 and len(result.records) == 117
    assert result.fhir is not None and result.fhir.skipped == {"Claim": 142, "ExplanationOfBenefit": 117, "Goal": 5}
