"""FHIR R4 input through the CLI: data check, data import with paired summaries, and
summarize with a tiny model, on all twelve Synthea sample bundles and on a bundle with notes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.datasets import load_splits
from tests.cli.conftest import tiny_model_workspace
from tests.core.fhir.fixtures import BUNDLES, SAMPLES, small_bundle, write_json

FAST = ("--num-beams", "1", "--max-new-tokens", "6")


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A workspace with the tiny T5 ``tt``."""
    root = tmp_path_factory.mktemp("fhir-ws") / "ws"
    with tiny_model_workspace(root, records=40, seed=4):
        pass
    return str(root)


def _identity(bundle: dict) -> set[str]:
    """Every name, address, phone, birth date and identifier value of the bundle's people."""
    values: set[str] = set()
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] not in ("Patient", "Practitioner"):
            continue
        for name in resource.get("name", []):
            for part in [*name.get("given", []), name.get("family", "")]:
                values |= {part, part.rstrip("0123456789")}
        for address in resource.get("address", []):
            values |= {*address.get("line", []), address.get("postalCode", "")}
        values |= {t["value"] for t in resource.get("telecom", [])}
        values |= {i["value"] for i in resource.get("identifier", [])}
        values.add(resource.get("birthDate", ""))
    # a short number (Synthea's practitioner ids: "140") cannot be told from a lab value
    return {v for v in values if len(v) > 2 and not (v.isdigit() and len(v) < 5)}


def _pairs(tmp_path: Path, ids: list[str]) -> Path:
    path = tmp_path / "summaries.jsonl"
    path.write_text("".join(json.dumps({"id": rid, "summary": f"Visit summary {n}."}) + "\n"
                            for n, rid in enumerate(ids)), encoding="utf-8")
    return path


def _record_ids(medsum, ws: str, source: Path, level: str) -> list[str]:
    result = medsum("data", "check", str(source), "--fhir-level", level, "--workspace", ws)
    assert result.code == 0, result.err
    from core.config import MedsumConfig
    from core.records import load_records

    config = MedsumConfig()
    config = config.model_copy(update={"records": config.records.model_copy(update={"fhir_level": level})})
    return [r.record_id for r in load_records(source, config, require_target=False).records]


def test_data_check_reports_what_fhir_gave(medsum, ws: str) -> None:
    result = medsum("data", "check", str(SAMPLES), "--strict", "--workspace", ws)
    assert result.code == 0, result.err
    assert "FHIR input: 1403 resources of 12 patient(s) -> 117 encounter-level record(s)" in result.out
    assert "not used: Claim 142, ExplanationOfBenefit 117, Goal 5" in result.out
    assert "Records: 117 read, 117 valid, 0 problem(s)" in result.out and "Patients: 12" in result.out


@pytest.mark.parametrize("level", ["encounter", "patient"])
def test_all_sample_bundles_import_with_paired_summaries_and_no_identity(medsum, ws: str, tmp_path: Path,
                                                                        level: str) -> None:
    ids = _record_ids(medsum, ws, SAMPLES, level)
    assert len(ids) == (117 if level == "encounter" else 12)
    name = f"fhir-{level}"
    result = medsum("data", "import", str(SAMPLES), "--name", name, "--summaries", str(_pairs(tmp_path, ids)),
                    "--fhir-level", level, "--strategy", "redact", "--workspace", ws)
    assert result.code == 0, result.err
    assert f"-> {len(ids)} {level}-level record(s)" in result.out
    assert f"Imported dataset '{name}': {len(ids)} records (redact)" in result.out
    stored = "\n".join(row for split in load_splits(Path(ws), name).values() for row in split["source"])
    for path in BUNDLES:
        leaked = {v for v in _identity(json.loads(path.read_text(encoding="utf-8"))) if v in stored}
        assert not leaked, f"{path.name}: {len(leaked)} identifying value(s) in the dataset"


def test_notes_are_decoded_and_de_identified_on_import(medsum, ws: str, tmp_path: Path) -> None:
    bundle = write_json(tmp_path / "bundle.json", small_bundle())
    result = medsum("data", "import", str(bundle), "--name", "noted", "--summaries",
                    str(_pairs(tmp_path, ["e1", "e2"])), "--strategy", "redact", "--workspace", ws)
    assert result.code == 0, result.err
    rows = {r["id"]: r["source"] for split in load_splits(Path(ws), "noted").values() for r in split}
    assert "atorvastatin 40 mg daily" in rows["e1"] and "chest pain" in rows["e1"]
    for value in ("Quentin", "Vale", "555-201-7788", "1970-05-02", "Orchard", "MRN-778812"):
        assert value not in rows["e1"]
    assert "[NAME]" in rows["e1"] and "[PHONE]" in rows["e1"]


def test_summarize_every_sample_bundle_with_a_tiny_model(medsum, ws: str, tmp_path: Path) -> None:
    out = tmp_path / "summaries.jsonl"
    result = medsum("summarize", "--model", "tt", str(SAMPLES), "--fhir-level", "patient", "--out", str(out),
                    *FAST, "--workspace", ws)
    assert result.code == 0, result.err
    assert "-> 12 patient-level record(s)" in result.err
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    patients = {json.loads(p.read_text())["entry"][0]["resource"]["id"] for p in BUNDLES}
    assert {row["id"] for row in rows} == patients
    assert all(isinstance(row["summary"], str) and row["provenance"]["model"] == "tt" for row in rows)


def test_summarize_one_bundle_at_encounter_level(medsum, ws: str) -> None:
    result = medsum("summarize", "--model", "tt", str(BUNDLES[0]), *FAST, "--strategy", "redact", "--workspace", ws)
    assert result.code == 0, result.err
    bundle = json.loads(BUNDLES[0].read_text(encoding="utf-8"))
    encounters = {e["resource"]["id"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Encounter"}
    assert {json.loads(line)["id"] for line in result.out.splitlines() if line.strip()} == encounters


def test_a_malformed_bundle_fails_with_the_entry_and_resource_named(medsum, ws: str, tmp_path: Path) -> None:
    bundle = small_bundle()
    del bundle["entry"][6]["resource"]["resourceType"]
    result = medsum("data", "check", str(write_json(tmp_path / "bad.json", bundle)), "--workspace", ws)
    assert result.code == 1
    assert "bad.json:1: entry 6 (resource/o1): the resource has no resourceType" in result.out
