"""A string that UTF-8 cannot hold (a lone surrogate, from JSON's ``\\ud800`` escape), in a
value or a key at any depth, is a problem naming the file, line, record and field, never
the value; good records of the same input still load. FHIR input names the entry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.config import MedsumConfig, RecordsConfig
from core.records import Location, Problem, write_problem_report
from core.records.reader import read_file
from core.records.validate import LONE_SURROGATE, has_lone_surrogate, lone_surrogate_fields
from tests.core.records.conftest import good_record, write_jsonl

SECRET = "Zelda Quint"  # stands for PHI next to the bad code point: it must never be printed


def _write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _encodable(problems: list[Problem]) -> None:
    for problem in problems:
        str(problem).encode("utf-8")  # printable on any terminal
        assert SECRET not in str(problem) and "Zelda" not in str(problem)


def test_the_example_from_the_report(tmp_path: Path, load) -> None:
    path = _write_lines(tmp_path / "in.jsonl", ['{"id": "r1", "note": "abc \\ud800 def"}', '{"id": "r2", "note": "fine"}'])
    result = load(path, require_target=False)
    assert [r.record_id for r in result.records] == ["r2"]
    assert [str(p) for p in result.problems] == [
        f"{path}:1: record 'r1': field 'note': holds a lone surrogate code point (invalid Unicode)"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"patient_history": f"{SECRET} \udc00 seen"}, "patient_history", LONE_SURROGATE),
        ({"summary": f"{SECRET}\ud800"}, "summary", LONE_SURROGATE),
        ({"vitals": {"notes": ["ok", f"{SECRET} \udfff"]}}, "vitals.notes[1]", LONE_SURROGATE),
        ({"vitals": {"deep": {"x": f"\ud8ff{SECRET}"}}}, "vitals.deep.x", LONE_SURROGATE),
        ({"vitals": {f"{SECRET}\ud800": "120/80"}}, "vitals",
         "has a key that holds a lone surrogate code point (invalid Unicode)"),
        ({"vitals": [{"bp": "1"}, {f"k\udc80": {"inner": f"{SECRET}\ud800"}}]}, "vitals[1]",
         "has a key that holds a lone surrogate code point (invalid Unicode)"),
    ],
)
def test_lone_surrogate_at_any_depth(tmp_path: Path, load, change: dict[str, Any], field: str, message: str) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [good_record(1), good_record(2, **change), good_record(3)])
    result = load(path)
    assert [r.record_id for r in result.records] == ["r-0001", "r-0003"]
    (problem,) = result.problems  # a bad key's value is not walked: one problem for it
    assert (problem.location.line, problem.record, problem.field, problem.message) == (2, "r-0002", field, message)
    assert str(problem) == f"{path}:2: record 'r-0002': field {field!r}: {message}"
    _encodable(result.problems)


def test_lone_surrogate_in_a_field_name(tmp_path: Path, load) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [good_record(1, **{f"{SECRET}\ud800": "x"})])
    result = load(path)
    assert not result.records
    assert [str(p) for p in result.problems] == [
        f"{path}:1: record 'r-0001': a field name holds a lone surrogate code point (invalid Unicode)"]
    _encodable(result.problems)


def test_lone_surrogate_in_the_id_is_not_quoted(tmp_path: Path, load) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [good_record(1, id="r-\ud800")])
    result = load(path)
    assert [str(p) for p in result.problems] == [
        f"{path}:1: field 'id': holds a lone surrogate code point (invalid Unicode)"]


def test_every_bad_string_of_a_record_is_named(tmp_path: Path, load) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [good_record(1, diagnosis="\ud800", summary="s\udc00", extra=["\ud801"])])
    assert [p.field for p in load(path).problems] == ["diagnosis", "extra[0]", "summary"]


def test_array_and_single_object_files_name_the_element(tmp_path: Path, load) -> None:
    array = tmp_path / "in.json"
    array.write_text(json.dumps([good_record(1), good_record(2, diagnosis="\ud800")], indent=1))
    (problem,) = load(array).problems
    assert str(problem).startswith(f"{array}:") and "(element 1): record 'r-0002': field 'diagnosis': holds" in str(problem)
    single = tmp_path / "one.json"
    single.write_text(json.dumps(good_record(1, diagnosis="\ud800")))
    (problem,) = load(single).problems
    assert str(problem) == f"{single}:1: record 'r-0001': field 'diagnosis': {LONE_SURROGATE}"


def test_valid_escapes_and_text_are_accepted(tmp_path: Path, load) -> None:
    # an escaped pair is one valid character; an escaped backslash before "ud800" is plain text
    path = _write_lines(tmp_path / "in.jsonl", [
        json.dumps(good_record(1, diagnosis="chest pain \U0001f600")),  # written as \\ud83d\\ude00
        json.dumps(good_record(2, diagnosis="literal \\ud800 text")),
        json.dumps(good_record(3, diagnosis="é ü 中文"), ensure_ascii=False),
    ])
    assert "\\ud83d\\ude00" in path.read_text()
    result = load(path)
    assert not result.problems and len(result.records) == 3


def test_a_summary_paired_from_elsewhere_is_checked(tmp_path: Path, load) -> None:
    record = good_record(1)
    del record["summary"]
    path = write_jsonl(tmp_path / "in.jsonl", [record])
    (problem,) = load(path, summaries={"r-0001": "text \ud800"}).problems
    assert (problem.field, problem.message) == ("summary", LONE_SURROGATE)


def test_reader_marks_only_text_with_a_surrogate_escape(tmp_path: Path) -> None:
    lines = _write_lines(tmp_path / "in.jsonl", ['{"id": "a", "note": "\\ud800"}', '{"id": "b", "note": "x"}',
                                                 '{"id": "c", "note": "\\uDC00"}', '{"id": "d", "note": "\\u00e9"}'])
    assert [r.may_hold_surrogates for r in read_file(lines)] == [True, False, True, False]
    clean = tmp_path / "clean.json"
    clean.write_text(json.dumps([good_record(1), good_record(2, diagnosis="é")]))
    assert [r.may_hold_surrogates for r in read_file(clean)] == [False, False]


def test_reports_and_messages_stay_printable(tmp_path: Path, load) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [good_record(1, diagnosis="\ud800")])
    result = load(path)
    report = tmp_path / "problems.json"
    write_problem_report(report, result.problems, records_ok=0, records_seen=1)
    assert json.loads(report.read_text())["problems"][0]["field"] == "diagnosis"
    # a file name from a non-UTF-8 file system (surrogate-escaped by Python) does not crash a print
    odd = Problem(Location("in-\udcff.jsonl", 3), "malformed JSON")
    assert str(odd) == "in-\\udcff.jsonl:3: malformed JSON"


def test_helpers() -> None:
    assert has_lone_surrogate("a\ud800") and has_lone_surrogate("\udfff") and not has_lone_surrogate("a\U0001f600é")
    assert lone_surrogate_fields({"a": ["x", {"b": "\ud800"}], "c\udc00": "y", "d": {"e\udc00": 1}}) == [
        (None, "a field name holds a lone surrogate code point (invalid Unicode)"),
        ("a[1].b", LONE_SURROGATE),
        ("d", "has a key that holds a lone surrogate code point (invalid Unicode)"),
    ]


def test_checking_costs_little_on_clean_input(tmp_path: Path, load) -> None:
    # clean text (no surrogate escape) is not walked for surrogates at all
    path = write_jsonl(tmp_path / "in.jsonl", [good_record(i) for i in range(1, 6)])
    assert not any(r.may_hold_surrogates for r in read_file(path))
    assert len(load(path).records) == 5


# -- FHIR --------------------------------------------------------------------------------

def _bundle() -> dict[str, Any]:
    patient = {"resourceType": "Patient", "id": "p1", "name": [{"family": "Quint", "given": ["Zelda"]}],
               "gender": "female", "birthDate": "1950-01-02"}
    encounter = {"resourceType": "Encounter", "id": "e1", "status": "finished", "subject": {"reference": "Patient/p1"},
                 "period": {"start": "2020-01-01T10:00:00Z"}}
    condition = {"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p1"},
                 "encounter": {"reference": "Encounter/e1"}, "code": {"text": "Chest pain"},
                 "note": [{"text": "seen in clinic"}]}
    return {"resourceType": "Bundle", "id": "b1", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:p1", "resource": patient},
        {"fullUrl": "urn:uuid:e1", "resource": encounter},
        {"fullUrl": "urn:uuid:c1", "resource": condition},
    ]}


def _fhir_load(path: Path):
    from core.records import load_records

    return load_records(path, MedsumConfig(), require_target=False)


def test_fhir_resource_with_a_lone_surrogate_names_entry_and_field(tmp_path: Path) -> None:
    clean = tmp_path / "clean.json"
    clean.write_text(json.dumps(_bundle()))
    baseline = _fhir_load(clean)
    assert not baseline.problems and baseline.records
    bundle = _bundle()
    bundle["entry"][2]["resource"]["note"][0]["text"] = f"{SECRET} \ud800"
    path = tmp_path / "in.json"
    path.write_text(json.dumps(bundle))
    result = _fhir_load(path)
    assert [str(p) for p in result.problems] == [
        f"{path}:1: entry 2 (Condition/c1): field 'note[0].text': holds a lone surrogate code point (invalid Unicode)"]
    assert result.records  # the other resources still make records
    _encodable(result.problems)


def test_fhir_entry_and_bundle_fields(tmp_path: Path) -> None:
    bundle = _bundle()
    bundle["entry"][1]["fullUrl"] = "urn:uuid:\udc00"
    path = tmp_path / "entry.json"
    path.write_text(json.dumps(bundle))
    assert [str(p) for p in _fhir_load(path).problems] == [
        f"{path}:1: entry 1 (Encounter/e1): field 'fullUrl': holds a lone surrogate code point (invalid Unicode)"]
    bundle = _bundle()
    bundle["identifier"] = {"value": f"{SECRET}\ud800"}
    path = tmp_path / "shell.json"
    path.write_text(json.dumps(bundle))
    result = _fhir_load(path)
    assert [str(p) for p in result.problems] == [
        f"{path}:1: Bundle/b1: field 'identifier.value': holds a lone surrogate code point (invalid Unicode)"]
    assert not result.records


def test_fhir_ndjson_resource_and_a_bad_id(tmp_path: Path) -> None:
    bundle = _bundle()
    lines = [json.dumps(e["resource"]) for e in bundle["entry"]]
    lines[2] = json.dumps({**bundle["entry"][2]["resource"], "id": "c\ud800"})
    path = _write_lines(tmp_path / "in.ndjson", lines)
    result = _fhir_load(path)
    assert [str(p) for p in result.problems] == [
        f"{path}:3: Condition: field 'id': holds a lone surrogate code point (invalid Unicode)"]
    _encodable(result.problems)


def test_fhir_strict_checks_unicode_first(tmp_path: Path) -> None:
    from core.records import load_records

    bundle = _bundle()
    bundle["entry"][0]["fullUrl"] = "urn:uuid:\ud800"
    path = tmp_path / "in.json"
    path.write_text(json.dumps(bundle))
    config = MedsumConfig(records=RecordsConfig(fhir_strict=True))
    problems = load_records(path, config, require_target=False).problems
    assert f"{path}:1: entry 0 (Patient/p1): field 'fullUrl': {LONE_SURROGATE}" in [str(p) for p in problems]
    _encodable(problems)
