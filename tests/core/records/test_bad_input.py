"""Every kind of bad input gets a problem naming the file, line/record and field; good
records in the same input still load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.config import MedsumConfig, RecordsConfig
from core.errors import InputError
from tests.core.records.conftest import good_record, write_jsonl


def _messages(result) -> list[str]:
    return [str(p) for p in result.problems]


def test_malformed_json_line_is_isolated(tmp_path: Path, load) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(good_record(1)) + "\n{\"id\": \"r-2\" \"mrn\": 1}\n" + json.dumps(good_record(3)) + "\n")
    result = load(path)
    assert [r.record_id for r in result.records] == ["r-0001", "r-0003"]
    assert _messages(result) == [f"{path}:2: malformed JSON: Expecting ',' delimiter at column 14"]


def test_malformed_first_line_of_jsonl_in_dot_json_file(tmp_path: Path, load) -> None:
    path = tmp_path / "in.json"
    path.write_text('{"id": broken\n' + json.dumps(good_record(2)) + "\n" + json.dumps(good_record(3)) + "\n")
    result = load(path)
    assert [r.record_id for r in result.records] == ["r-0002", "r-0003"]
    assert [p.location.line for p in result.problems] == [1]


def test_malformed_json_in_array_names_line_and_keeps_earlier_records(tmp_path: Path, load) -> None:
    path = tmp_path / "in.json"
    path.write_text("[\n" + json.dumps(good_record(1)) + ",\n{\"id\": oops}\n]")
    result = load(path)
    assert [r.record_id for r in result.records] == ["r-0001"]
    (problem,) = result.problems
    assert problem.location.line == 3 and "malformed JSON" in problem.message


def test_truncated_array_file(tmp_path: Path, load) -> None:
    path = tmp_path / "in.json"
    text = json.dumps([good_record(1), good_record(2)], indent=1)
    path.write_text(text[: len(text) - 40])
    result = load(path)
    assert [r.record_id for r in result.records] == ["r-0001"]
    assert "truncated" in result.problems[0].message


def test_truncated_last_jsonl_line(tmp_path: Path, load) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(good_record(1)) + "\n" + json.dumps(good_record(2))[:30])
    result = load(path)
    assert len(result.records) == 1
    (problem,) = result.problems
    assert problem.location.line == 2 and "truncated" in problem.message


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"id": ["r", 1]}, "id", "must be a string or an integer, found an array"),
        ({"id": True}, "id", "must be a string or an integer, found a boolean"),
        ({"summary": 42}, "summary", "must be a string, found a number"),
        ({"summary": {"text": "x"}}, "summary", "must be a string, found an object"),
        ({"mrn": {"value": "123"}}, "mrn", "must be a string or an integer, found an object"),
    ],
)
def test_wrong_types(tmp_path: Path, load, change: dict, field: str, message: str) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [good_record(1, **change)])
    (problem,) = load(path).problems
    assert (problem.field, problem.message, problem.location.line) == (field, message, 1)


def test_missing_target(tmp_path: Path, load) -> None:
    record = good_record(1)
    del record["summary"]
    (problem,) = load(write_jsonl(tmp_path / "in.jsonl", [record])).problems
    assert str(problem) == f"{tmp_path / 'in.jsonl'}:1: record 'r-0001': field 'summary': is missing"


def test_empty_target(tmp_path: Path, load) -> None:
    (problem,) = load(write_jsonl(tmp_path / "in.jsonl", [good_record(1, summary="  \n ")])).problems
    assert (problem.record, problem.field, problem.message) == ("r-0001", "summary", "is empty")


def test_target_not_required_for_unlabelled_input(tmp_path: Path, load) -> None:
    record = good_record(1)
    del record["summary"]
    assert len(load(write_jsonl(tmp_path / "in.jsonl", [record]), require_target=False).records) == 1


def test_duplicate_id_keeps_first_and_names_both_places(tmp_path: Path, load) -> None:
    write_jsonl(tmp_path / "a.jsonl", [good_record(1), good_record(2)])
    write_jsonl(tmp_path / "b.jsonl", [good_record(2)])
    result = load(tmp_path)
    assert [r.record_id for r in result.records] == ["r-0001", "r-0002"]
    (problem,) = result.problems
    assert str(problem) == (
        f"{tmp_path / 'b.jsonl'}:1: record 'r-0002': duplicate id, first used at "
        f"{tmp_path / 'a.jsonl'}:2; this record was not loaded"
    )


def test_non_utf8_line_in_jsonl_is_isolated(tmp_path: Path, load) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(
        json.dumps(good_record(1)).encode() + b"\n" + b'{"id": "r-2", "note": "caf\xe9"}\n' + json.dumps(good_record(3)).encode() + b"\n"
    )
    result = load(path)
    assert [r.record_id for r in result.records] == ["r-0001", "r-0003"]
    assert _messages(result) == [f"{path}:2: not valid UTF-8 (byte 0xe9 at column 27); re-export the file as UTF-8"]


def test_non_utf8_in_array_file_names_line(tmp_path: Path, load) -> None:
    path = tmp_path / "in.json"
    path.write_bytes(b'[\n{"id": "r-1",\n "note": "\xff"}\n]')
    (problem,) = load(path).problems
    assert problem.location.line == 3 and "0xff" in problem.message


def test_huge_field(tmp_path: Path, load) -> None:
    config = MedsumConfig(records=RecordsConfig(max_field_chars=1000))
    path = write_jsonl(tmp_path / "in.jsonl", [good_record(1, notes={"free": "x" * 5000}), good_record(2)])
    result = load(path, config)
    assert [r.record_id for r in result.records] == ["r-0002"]
    (problem,) = result.problems
    assert problem.field == "notes.free"
    assert problem.message == "is 5,000 characters, over the limit of 1,000 (records.max_field_chars)"


def test_deeply_nested_value_over_limit(tmp_path: Path, load) -> None:
    nested: dict = {"leaf": "x"}
    for _ in range(40):
        nested = {"level": nested}
    (problem,) = load(write_jsonl(tmp_path / "in.jsonl", [good_record(1, extra=nested)])).problems
    assert (problem.field, problem.message) == ("extra", "nests deeper than 32 levels (records.max_depth)")


def test_nesting_too_deep_to_parse(tmp_path: Path, load) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(good_record(1)) + "\n" + '{"id": "r-2", "x": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    result = load(path)
    assert len(result.records) == 1
    assert _messages(result) == [f"{path}:2: nested too deeply to parse"]


def test_empty_file(tmp_path: Path, load) -> None:
    path = tmp_path / "in.json"
    path.write_text("  \n")
    assert _messages(load(path)) == [f"{path}: file is empty"]


def test_empty_array(tmp_path: Path, load) -> None:
    path = tmp_path / "in.json"
    path.write_text("[ ]")
    assert _messages(load(path)) == [f"{path}:1: the array holds no records"]


def test_directory_without_json(tmp_path: Path, load) -> None:
    (tmp_path / "readme.txt").write_text("hello")
    with pytest.raises(InputError, match="directory holds no .json"):
        load(tmp_path)


def test_missing_path(tmp_path: Path, load) -> None:
    with pytest.raises(InputError, match="no such file or directory"):
        load(tmp_path / "absent.jsonl")


def test_record_that_is_not_an_object(tmp_path: Path, load) -> None:
    (problem,) = load(write_jsonl(tmp_path / "in.jsonl", [[1, 2]])).problems
    assert problem.message == "a record must be a JSON object, found an array"


def test_duplicate_keys_and_nan_are_rejected(tmp_path: Path, load) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": "a", "id": "b", "summary": "s"}\n{"id": "c", "bp": NaN, "summary": "s"}\n')
    assert [p.message for p in load(path).problems] == ["duplicate key 'id' in one object", "NaN is not valid JSON"]


def test_extra_data_after_object(tmp_path: Path, load) -> None:
    path = tmp_path / "in.json"
    path.write_text(json.dumps(good_record(1)) + " garbage")
    assert "extra data" in load(path).problems[0].message


def test_record_without_input_text(tmp_path: Path, load) -> None:
    record = {"id": "r-1", "patient_name": "Someone", "summary": "text"}
    (problem,) = load(write_jsonl(tmp_path / "in.jsonl", [record])).problems
    assert problem.message.startswith("has no input text")


def test_problems_never_quote_values(tmp_path: Path, load) -> None:
    secret = "Maria Lopez 555-867-5309"
    path = tmp_path / "in.jsonl"
    path.write_text(
        json.dumps(good_record(1, summary={"name": secret})) + "\n"
        + json.dumps(good_record(2, id=[secret])) + "\n"
        + '{"id": "r-3", "summary": "' + secret + '", "note": "unterminated\n'
    )
    result = load(path)
    assert len(result.problems) == 3
    assert all("Maria" not in str(p) and "5309" not in str(p) for p in result.problems)


def test_raise_for_problems_summarizes(tmp_path: Path, load) -> None:
    result = load(write_jsonl(tmp_path / "in.jsonl", [good_record(1, summary="")]))
    with pytest.raises(InputError, match="1 problem") as info:
        result.raise_for_problems()
    assert len(info.value.problems) == 1
