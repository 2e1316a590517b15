"""Numbers JSON allows but Python cannot hold (an int of more than 4,300 digits, a float that
overflows to infinity) and JSON nested too deeply to parse, through ``medsum deid`` and
``medsum data check``: one line naming the record and field, exit 3, no traceback; ``--skip-bad``
processes the rest (issue 20, item 12)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

HUGE = "9" * 5000
LONG = "holds a number too long to read: 5,000 digits, over the limit of 4,300"
FLOAT = "holds a number too large to read: it overflows a 64-bit float"


def _lines(tmp_path: Path, first: str) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_text(first + "\n" + '{"id": "r2", "note": "fine text", "summary": "s"}\n', encoding="utf-8")
    return path


CASES = {
    "int-field": ('{"id": "r1", "note": "n", "summary": "s", "labs": {"k": [1, ' + HUGE + ']}}',
                  f":1: record 'r1': field 'labs.k[1]': {LONG}"),
    "int-id": ('{"id": ' + HUGE + ', "note": "n", "summary": "s"}', f":1: field 'id': {LONG}"),
    "negative-int": ('{"id": "r1", "note": "n", "summary": "s", "age": -' + HUGE + '}',
                     f":1: record 'r1': field 'age': {LONG}"),
    "float": ('{"id": "r1", "note": "n", "summary": "s", "age": 1e999999}', f":1: record 'r1': field 'age': {FLOAT}"),
    "deep": ('{"id": "r1", "note": "n", "summary": "s", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
             ":1: nested too deeply to parse"),
}


def _clean(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text and "ValueError" not in text and HUGE[:50] not in text


@pytest.mark.parametrize("case", sorted(CASES))
def test_data_check_reports_one_line(medsum, tmp_path: Path, case: str) -> None:
    first, expected = CASES[case]
    path = _lines(tmp_path, first)
    result = medsum("data", "check", str(path))
    assert result.code == 1, result.err
    assert f"  {path}{expected}" in result.out.splitlines()
    _clean(result.out, result.err)


@pytest.mark.parametrize("case", sorted(CASES))
def test_deid_reports_one_line(medsum, tmp_path: Path, case: str) -> None:
    first, expected = CASES[case]
    path, out = _lines(tmp_path, first), tmp_path / "out.jsonl"
    result = medsum("deid", str(path), "--out", str(out), "--strategy", "redact")
    assert result.code == 1, result.err
    assert result.err.splitlines() == [
        f"{path}{expected}", "medsum: error: 1 problem(s) in the input; fix them or pass --skip-bad"]
    assert not out.exists()
    _clean(result.out, result.err)


def test_deid_skip_bad_writes_the_other_records(medsum, tmp_path: Path) -> None:
    path, out = _lines(tmp_path, CASES["int-field"][0]), tmp_path / "out.jsonl"
    result = medsum("deid", str(path), "--out", str(out), "--strategy", "redact", "--skip-bad")
    assert result.code == 0, result.err
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["r2"]
    assert "Infinity" not in out.read_text()


def test_an_array_names_the_element(medsum, tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_text('[{"id": "r1", "note": "n", "summary": "s"},\n {"id": "r2", "note": "n", "summary": "s", "n": '
                    + HUGE + '}]', encoding="utf-8")
    result = medsum("data", "check", str(path))
    assert result.code == 1
    assert (f"  {path}:2 (element 1): record 'r2': field 'n': {LONG}; records after element 0 were not read"
            in result.out.splitlines())


def test_a_float_overflow_never_reaches_the_output(medsum, tmp_path: Path) -> None:
    """Before, 1e999999 was read as inf and written out as ``Infinity``, which is not JSON."""
    path, out = _lines(tmp_path, CASES["float"][0]), tmp_path / "out.jsonl"
    medsum("deid", str(path), "--out", str(out), "--strategy", "redact", "--skip-bad")
    assert "Infinity" not in out.read_text()


@pytest.mark.parametrize(("line", "message"), [
    ('{"id": ' + HUGE + ', "summary": "s"}', "holds a number too long to read"),
    ('{"id": "r1", "summary": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply to parse"),
], ids=["huge-id", "deep"])
def test_a_summaries_file_reports_one_line(medsum, tmp_path: Path, line: str, message: str) -> None:
    path = _lines(tmp_path, '{"id": "r1", "note": "n"}')
    summaries = tmp_path / "summaries.jsonl"
    summaries.write_text('{"id": "r0", "summary": "s"}\n' + line + "\n", encoding="utf-8")
    result = medsum("data", "check", str(path), "--summaries", str(summaries))
    assert result.code == 1, result.err
    assert f"{summaries}:2: {message}" in result.err
    _clean(result.out, result.err)
