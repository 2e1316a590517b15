"""Reading the three input shapes: JSON array, JSON Lines, directory of .json files."""

from __future__ import annotations

import json
from pathlib import Path

from tests.core.records.conftest import good_record, write_jsonl


def test_json_array_with_line_numbers(tmp_path: Path, load) -> None:
    path = tmp_path / "records.json"
    path.write_text(json.dumps([good_record(1), good_record(2), good_record(3)], indent=2))
    result = load(path)
    assert [r.record_id for r in result.records] == ["r-0001", "r-0002", "r-0003"]
    assert result.problems == []
    lines = [r.location.line for r in result.records]
    assert lines[0] == 2 and lines[0] < lines[1] < lines[2]
    assert [r.location.index for r in result.records] == [0, 1, 2]


def test_json_lines(tmp_path: Path, load) -> None:
    path = write_jsonl(tmp_path / "records.jsonl", [good_record(1), good_record(2)])
    result = load(path)
    assert [(r.record_id, r.location.line) for r in result.records] == [("r-0001", 1), ("r-0002", 2)]


def test_jsonl_content_in_a_dot_json_file_is_detected(tmp_path: Path, load) -> None:
    path = write_jsonl(tmp_path / "records.json", [good_record(1), good_record(2)])
    assert len(load(path).records) == 2


def test_single_pretty_printed_object(tmp_path: Path, load) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps(good_record(1), indent=2))
    assert [r.record_id for r in load(path).records] == ["r-0001"]


def test_directory_of_files_recursively_sorted_skipping_hidden(tmp_path: Path, load) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a.json").write_text(json.dumps(good_record(1)))
    write_jsonl(tmp_path / "b" / "more.jsonl", [good_record(2), good_record(3)])
    (tmp_path / "notes.txt").write_text("not json")
    (tmp_path / ".hidden.json").write_text("{broken")
    result = load(tmp_path)
    assert [r.record_id for r in result.records] == ["r-0001", "r-0002", "r-0003"]
    assert result.files == [str(tmp_path / "a.json"), str(tmp_path / "b" / "more.jsonl")]
    assert result.problems == []


def test_utf8_bom_and_crlf_are_accepted(tmp_path: Path, load) -> None:
    path = tmp_path / "bom.jsonl"
    body = "\r\n".join(json.dumps(good_record(i)) for i in (1, 2)) + "\r\n"
    path.write_bytes(b"\xef\xbb\xbf" + body.encode())
    assert len(load(path).records) == 2


def test_unicode_text_is_kept(tmp_path: Path, load) -> None:
    path = write_jsonl(tmp_path / "u.jsonl", [good_record(1, patient_history="Pt c/o Übelkeit, 38.5 °C")])
    assert load(path).records[0].data["patient_history"].endswith("°C")


def test_integer_ids_are_accepted_as_text(tmp_path: Path, load) -> None:
    path = write_jsonl(tmp_path / "ids.jsonl", [good_record(1, id=17)])
    assert load(path).records[0].record_id == "17"
