"""FHIR de-identification: FHIR R4 in, valid FHIR of the same structure out, with no name,
address, phone, birth date or identifier of the bundles left, in the resources or in the notes."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from core.config import MedsumConfig
from core.deid_run import _Notes, deidentify_file
from core.errors import InputError
from core.fhir.refs import ResourceIndex
from core.fhir.resources import resources_of
from core.records.problems import Location
from privacy.deid.engine import Deidentifier
from privacy.deid.fhir import FhirDeidentifier

SAMPLES = sorted((Path(__file__).resolve().parents[1] / "data" / "fhir-synthea-r4").glob("*.json"))
SECRET = b"fhir-deid-test-secret-0123456789"
CONFIG = MedsumConfig()  # type: ignore[call-arg]


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _patient(bundle: dict[str, Any]) -> dict[str, Any]:
    return next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")


def with_notes(source: Path) -> dict[str, Any]:
    """A sample bundle whose patient has Synthea digits in the names (as newer Synthea writes
    them), with a DocumentReference and a DiagnosticReport note naming the patient."""
    bundle = json.loads(source.read_text())
    patient = _patient(bundle)
    name = patient["name"][0]
    name["given"] = [f"{g}{639 + i}" for i, g in enumerate(name["given"])]
    name["family"] = f"{name['family']}511"
    given, family = name["given"][0], name["family"]
    bare_given, bare_family = re.sub(r"\d", "", given), re.sub(r"\d", "", family)
    address = patient["address"][0]
    mrn = next(i["value"] for i in patient["identifier"] if i.get("type", {}).get("coding", [{}])[0].get("code") == "MR")
    phone = patient["telecom"][0]["value"]
    doctor = next(e["resource"]["name"][0] for e in bundle["entry"] if e["resource"]["resourceType"] == "Practitioner")
    born = patient["birthDate"]
    note = (f"Patient {given} {family} (MRN {mrn}), born {born}, seen today. Mr. {bare_family} lives at "
            f"{address['line'][0]}, {address['city']} {address['postalCode']}; phone {phone}. "
            f"{bare_given} reports a mild headache. Seen by Dr. {doctor['family']}.\n"
            f"{bare_given.upper()} {bare_family.upper()} to follow up in two weeks.")
    report = f"CBC within normal limits for {bare_given} {bare_family}. Call {phone} with results."
    pid = f"urn:uuid:{patient['id']}"
    raw = note.encode()
    bundle["entry"] += [
        {"fullUrl": "urn:uuid:11111111-2222-4333-8444-555555555555", "resource": {
            "resourceType": "DocumentReference", "id": "11111111-2222-4333-8444-555555555555", "status": "current",
            "subject": {"reference": pid, "display": f"{given} {family}"},
            "author": [{"display": f"Dr. {doctor['given'][0]} {doctor['family']}", "type": "Practitioner"}],
            "date": "2019-03-04T05:28:45.123+00:00",
            "description": f"Visit note for {bare_given} {bare_family}",
            "content": [{"attachment": {"contentType": "text/plain; charset=utf-8", "data": _b64(note),
                                        "size": len(raw), "hash": base64.b64encode(hashlib.sha1(raw).digest()).decode(),
                                        "title": f"Note {bare_family}", "creation": "2019-03-04"}},
                        {"attachment": {"contentType": "application/pdf", "data": _b64("%PDF-1.4 " + note)}}]},
         "request": {"method": "POST", "url": "DocumentReference"}},
        {"fullUrl": "urn:uuid:66666666-7777-4888-9999-aaaaaaaaaaaa", "resource": {
            "resourceType": "DiagnosticReport", "id": "66666666-7777-4888-9999-aaaaaaaaaaaa", "status": "final",
            "code": {"text": "CBC"}, "subject": {"reference": pid}, "effectiveDateTime": "2019-03-04",
            "issued": "2019-03-04T06:00:00Z",
            "presentedForm": [{"contentType": "text/plain", "data": _b64(report)}]},
         "request": {"method": "POST", "url": "DiagnosticReport"}},
    ]
    return bundle


def _phi(bundle: dict[str, Any]) -> set[str]:
    """Every name, address, phone, birth date and identifier value of the people and places."""
    values: set[str] = set()
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] not in ("Patient", "Practitioner", "Organization"):
            continue
        names = resource.get("name")
        if isinstance(names, str):
            values.add(names)
        for name in names if isinstance(names, list) else []:
            for part in [*name.get("given", []), name.get("family")]:
                if part:
                    values |= {part, re.sub(r"\d", "", part)}
        for address in resource.get("address", []):
            values |= {*address.get("line", []), address.get("city"), address.get("postalCode")}
        values |= {t["value"] for t in resource.get("telecom", [])}
        values |= {i["value"] for i in resource.get("identifier", []) if len(i["value"]) >= 5}
        if resource.get("birthDate"):
            values.add(resource["birthDate"])
        for extension in resource.get("extension", []):
            if "valueString" in extension and extension["url"].endswith("mothersMaidenName"):
                values.add(extension["valueString"])
    return {v for v in values if v and len(v) >= 3}


def _notes(bundle: dict[str, Any]) -> list[str]:
    codec = _Notes()
    found = []
    for entry in bundle["entry"]:
        resource = entry["resource"]
        for attachment in [c["attachment"] for c in resource.get("content", [])] + resource.get("presentedForm", []):
            if "data" in attachment:
                text = codec.decode(attachment)
                assert text is not None, "a non-text attachment was passed on"
                found.append(text)
    return found


def _leaks(values: set[str], text: str) -> list[str]:
    return [v for v in values if re.search(rf"(?<![\w]){re.escape(v)}(?![\w])", text, re.IGNORECASE)]


def _references(value: Any) -> list[str]:
    if isinstance(value, dict):
        own = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return own + [r for k, v in value.items() if k != "contained" for r in _references(v)]
    if isinstance(value, list):
        return [r for v in value for r in _references(v)]
    return []


def _resolved_types(bundle: dict[str, Any]) -> list[str | None]:
    items, problems = resources_of(bundle, Location("b.json", 1))
    assert not problems
    index = ResourceIndex(items)
    out = []
    for item in items:
        for ref in _references(item.resource):
            target = index.resolve(ref, item)
            out.append(target["resourceType"] if target else None)
    return out


def _run(bundle: dict[str, Any], tmp_path: Path, strategy: str = "surrogate", name: str = "out.json"):
    source = tmp_path / "in.json"
    source.write_text(json.dumps(bundle))
    out = tmp_path / name
    report = deidentify_file(source, out, CONFIG, strategy=strategy,  # type: ignore[arg-type]
                             secret=SECRET if strategy == "surrogate" else None)
    return json.loads(out.read_text()), report


@pytest.mark.parametrize("source", SAMPLES, ids=lambda p: p.name.split("_")[0])
def test_every_bundle_loses_its_phi_and_stays_valid_fhir(source: Path, tmp_path: Path) -> None:
    bundle = with_notes(source)
    out, report = _run(bundle, tmp_path)
    phi = _phi(bundle)
    text = json.dumps(out, ensure_ascii=False)
    notes = _notes(out)
    assert len(notes) == 2  # the PDF's data is not passed on
    assert not _leaks(phi, text)
    assert not _leaks(phi, "\n".join(notes))
    assert report.fhir == {"resources": len(bundle["entry"]), "notes": 2, "attachments_skipped": 1}
    assert not report.residual  # the second scan finds nothing left
    # same structure: same entries, same types, every reference still resolves to the same type
    assert [e["resource"]["resourceType"] for e in out["entry"]] == [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert _resolved_types(out) == _resolved_types(bundle)
    source_ids = {e["resource"]["id"] for e in bundle["entry"]}
    assert not source_ids & {e["resource"]["id"] for e in out["entry"]}
    assert not [i for i in source_ids if i in text]
    Bundle.model_validate(out)


@pytest.mark.parametrize("source", SAMPLES[:2], ids=lambda p: p.name.split("_")[0])
def test_redaction_keeps_valid_fhir_and_only_years(source: Path, tmp_path: Path) -> None:
    bundle = with_notes(source)
    out, _ = _run(bundle, tmp_path, "redact")
    text = json.dumps(out, ensure_ascii=False)
    assert not _leaks(_phi(bundle), text + "\n".join(_notes(out)))
    patient = _patient(out)
    assert re.fullmatch(r"\d{4}", patient["birthDate"]) and patient["name"][0]["family"] == "[NAME]"
    document = next(e["resource"] for e in out["entry"] if e["resource"]["resourceType"] == "DocumentReference")
    assert document["date"] == "2019-01-01T00:00:00Z"  # an instant needs a full value
    assert "[NAME]" in _notes(out)[0]
    Bundle.model_validate(out)


def test_same_secret_same_output_and_one_date_shift_per_patient(tmp_path: Path) -> None:
    bundle = with_notes(SAMPLES[0])
    first, _ = _run(bundle, tmp_path, name="a.json")
    second, _ = _run(bundle, tmp_path, name="b.json")
    assert first == second

    def when(value: str) -> datetime:
        return datetime.fromisoformat(value)

    pairs = []
    for old, new in zip(bundle["entry"], first["entry"]):
        for key in ("effectiveDateTime", "onsetDateTime", "issued", "authoredOn", "occurrenceDateTime"):
            if key in old["resource"]:
                pairs.append((when(old["resource"][key]), when(new["resource"][key]), old["resource"]["resourceType"]))
    assert len({t for *_, t in pairs}) >= 3  # several resource types of the one patient
    shifts = {(new - old).days for old, new, _ in pairs}
    assert len(shifts) == 1 and shifts != {0}  # one offset: every interval kept
    for old, new, _ in pairs:
        assert (old.hour, old.minute, old.second) == (new.hour, new.minute, new.second)
    patient_old, patient_new = _patient(bundle), _patient(first)
    born = date.fromisoformat(patient_new["birthDate"]) - date.fromisoformat(patient_old["birthDate"])
    assert born.days in shifts


def test_note_size_and_hash_follow_the_new_text(tmp_path: Path) -> None:
    out, _ = _run(with_notes(SAMPLES[1]), tmp_path)
    document = next(e["resource"] for e in out["entry"] if e["resource"]["resourceType"] == "DocumentReference")
    attachment = document["content"][0]["attachment"]
    raw = base64.b64decode(attachment["data"])
    assert attachment["size"] == len(raw)
    assert attachment["hash"] == base64.b64encode(hashlib.sha1(raw).digest()).decode()
    assert "data" not in document["content"][1]["attachment"]  # the PDF: skipped, not passed on
    assert document["content"][1]["attachment"]["contentType"] == "application/pdf"


def test_geolocation_dropped_and_codes_untouched(tmp_path: Path) -> None:
    bundle = with_notes(SAMPLES[0])
    out, _ = _run(bundle, tmp_path)
    patient = _patient(out)
    assert "extension" not in patient["address"][0]
    assert patient["address"][0]["state"] == _patient(bundle)["address"][0]["state"]
    systems = lambda b: sorted(re.findall(r'"system": "([^"]+)"', json.dumps(b)))
    assert systems(out) == systems(bundle)
    codes = lambda b: sorted(re.findall(r'"code": "([^"]+)"', json.dumps(b)))
    assert codes(out) == codes(bundle)


def test_patient_over_89_shows_age_90_at_most() -> None:
    engine = Deidentifier(secret=SECRET)
    fhir = FhirDeidentifier(engine, strategy="surrogate", id_key=SECRET, notes=_Notes(), today=date(2026, 11, 23))
    patient = {"resourceType": "Patient", "id": "p1", "birthDate": "1921-04-02"}
    out = fhir.deidentify(patient, fhir.context("k", patient), lambda ref: None).resource
    assert out["birthDate"] == "1936"
    dead = {**patient, "deceasedDateTime": "2015-06-01T10:00:00+00:00"}
    out = fhir.deidentify(dead, fhir.context("k", dead), lambda ref: None).resource
    assert out["birthDate"] == "1925" and out["deceasedDateTime"][10:] == "T10:00:00+00:00"
    young = {**patient, "birthDate": "1950-04-02"}
    assert fhir.deidentify(young, fhir.context("k", young), lambda ref: None).resource["birthDate"] != "1950-04-02"


def test_ndjson_resources_in_give_ndjson_out(tmp_path: Path) -> None:
    bundle = with_notes(SAMPLES[2])
    folder = tmp_path / "export"
    folder.mkdir()
    by_type: dict[str, list[dict[str, Any]]] = {}
    for entry in bundle["entry"]:
        by_type.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    for rtype, items in by_type.items():
        (folder / f"{rtype}.ndjson").write_text("".join(json.dumps(r) + "\n" for r in items))
    out = tmp_path / "out.ndjson"
    deidentify_file(folder, out, CONFIG, strategy="surrogate", secret=SECRET)
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == len(bundle["entry"]) and all(r["resourceType"] != "Bundle" for r in lines)
    assert not _leaks(_phi(bundle), out.read_text())
    as_bundle = {"resourceType": "Bundle", "type": "collection",
                 "entry": [{"resource": r} for r in lines]}
    assert None not in _resolved_types(as_bundle)  # urn:uuid references resolve by id without fullUrl


def test_malformed_bundle_is_one_line_naming_entry_and_resource(tmp_path: Path) -> None:
    bundle = with_notes(SAMPLES[0])
    bundle["entry"][3]["resource"]["contained"] = "Alberto"
    bad = bundle["entry"][-2]["resource"]["content"][0]["attachment"]
    bad["data"] = "not base64 !!"
    with pytest.raises(InputError) as caught:
        _run(bundle, tmp_path)
    messages = [str(p) for p in caught.value.problems]
    assert len(messages) == 2 and all("\n" not in m for m in messages)
    label = f"{bundle['entry'][3]['resource']['resourceType']}/{bundle['entry'][3]['resource']['id']}"
    assert f"entry 3 ({label}): contained must be an array" in messages[0]
    assert "DocumentReference/11111111-2222-4333-8444-555555555555" in messages[1]
    assert "base64" in messages[1] and "not base64 !!" not in messages[1]
    assert not (tmp_path / "out.json").exists()


def test_conditional_references_still_resolve(tmp_path: Path) -> None:
    bundle = copy.deepcopy(with_notes(SAMPLES[0]))
    doctor = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Practitioner")
    npi = doctor["identifier"][0]
    encounter = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Encounter")
    encounter["participant"][0]["individual"] = {"reference": f"Practitioner?identifier={npi['system']}|{npi['value']}"}
    for strategy in ("surrogate", "redact"):
        out, _ = _run(bundle, tmp_path, strategy, name=f"{strategy}.json")
        assert _resolved_types(out) == _resolved_types(bundle)
