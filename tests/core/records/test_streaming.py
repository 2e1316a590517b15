"""Record files are read as their values are asked for: memory does not grow with the file
(issue 20, item 13). Measured with tracemalloc (every Python allocation, deterministically),
never with the process's RSS."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from core.config import MedsumConfig
from core.records import RecordStream
from core.records import array_stream
from core.records.problems import Problem
from core.records.reader import RawRecord, read_file
from tests.core.records.conftest import good_record

_RECORDS = 5000  # about 1.4 kB each: 7 MB of input


def _row(i: int) -> dict[str, Any]:
    return good_record(i, notes="Seen in clinic, stable. " * 50)


def _peak_while(consume: Callable[[], Any]) -> int:
    """The most bytes Python held at once, above what it held before, while ``consume`` ran."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        consume()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def _drain(items: Iterable[Any]) -> int:
    count = 0
    for _ in items:
        count += 1
    return count


@pytest.fixture(scope="module")
def jsonl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stream") / "big.jsonl"
    path.write_text("".join(json.dumps(_row(i)) + "\n" for i in range(_RECORDS)), encoding="utf-8")
    assert path.stat().st_size > 7_000_000
    return path


@pytest.fixture(scope="module", params=["pretty", "one-line"])
def array(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stream") / "big.json"
    rows = [_row(i) for i in range(_RECORDS)]
    path.write_text(json.dumps(rows, indent=2 if request.param == "pretty" else None), encoding="utf-8")
    return path


def test_json_lines_are_read_a_line_at_a_time(jsonl: Path) -> None:
    count = 0

    def consume() -> None:
        nonlocal count
        count = _drain(read_file(jsonl))

    peak = _peak_while(consume)
    assert count == _RECORDS
    assert peak < 1_000_000, f"{peak:,} bytes held while reading {jsonl.stat().st_size:,}"  # was the file, twice


def test_a_json_array_is_read_a_chunk_at_a_time(array: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(array_stream, "CHUNK_BYTES", 64 * 1024)
    count = 0

    def consume() -> None:
        nonlocal count
        count = _drain(read_file(array))

    peak = _peak_while(consume)
    assert count == _RECORDS
    assert peak < 1_000_000, f"{peak:,} bytes held while reading {array.stat().st_size:,}"


def test_the_record_stream_holds_no_record(jsonl: Path) -> None:
    stream = RecordStream(jsonl, MedsumConfig())
    count = 0

    def consume() -> None:
        nonlocal count
        count = _drain(stream)

    peak = _peak_while(consume)
    assert count == _RECORDS and stream.problems == [] and stream.records_seen == _RECORDS
    assert peak < 2_000_000, f"{peak:,} bytes held"  # the ids seen (about 60 bytes each) and one record


def test_a_line_written_after_the_first_record_was_read_is_read(tmp_path: Path) -> None:
    """The file is read as records are asked for, not before the first one is given."""
    path = tmp_path / "growing.jsonl"
    path.write_text(json.dumps(good_record(1)) + "\n", encoding="utf-8")
    items = read_file(path)
    first = next(items)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(good_record(2)) + "\n")
    rest = list(items)
    assert isinstance(first, RawRecord) and first.value["id"] == "r-0001"
    assert [item.value["id"] for item in rest if isinstance(item, RawRecord)] == ["r-0002"]


def test_problems_come_as_the_stream_reaches_them(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(good_record(1)) + "\n{broken\n" + json.dumps(good_record(3)) + "\n", encoding="utf-8")
    stream = RecordStream(path, MedsumConfig())
    records = iter(stream)
    assert next(records).record_id == "r-0001" and stream.problems == []
    assert next(records).record_id == "r-0003" and [p.location.line for p in stream.problems] == [2]
    with pytest.raises(RuntimeError, match="only once"):
        iter(stream)


def test_duplicate_ids_across_files_name_the_first(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(json.dumps(good_record(1)) + "\n" + json.dumps(good_record(2)) + "\n")
    (tmp_path / "b.json").write_text(json.dumps([good_record(3), good_record(1)], indent=1))
    stream = RecordStream(tmp_path, MedsumConfig())
    assert [r.record_id for r in stream] == ["r-0001", "r-0002", "r-0003"]
    assert [str(p) for p in stream.problems] == [
        f"{tmp_path / 'b.json'}:10 (element 1): record 'r-0001': duplicate id, first used at "
        f"{tmp_path / 'a.jsonl'}:1; this record was not loaded"]


# -- the streamed array reader gives what a whole-file parse gives, whatever the chunk -------

_ROWS = [{"id": f"r{i}", "note": "café 漢 x" * (i % 3), "n": i * 1.5, "big": 10 ** 20} for i in range(4)]
ARRAYS = {
    "minified": json.dumps(_ROWS, ensure_ascii=False).encode(),
    "pretty": json.dumps(_ROWS, indent=2, ensure_ascii=False).encode(),
    "bom": b"\xef\xbb\xbf" + json.dumps(_ROWS).encode(),
    "numbers": b"[1, 2, 30, -4.5e3, 6E+2, \"x\", null, true]",
    "surrogate-escape": b'[{"id": "a\\ud800"}, {"id": "b"}]',
    "truncated": json.dumps(_ROWS, indent=1).encode()[:-40],
    "truncated-in-number": b'[{"id": "a", "n": 12',
    "missing-comma": b'[{"id": "a"}\n {"id": "b"}]',
    "malformed-element": b'[{"id": "a"},\n {"id": oops}]',
    "extra-data": b'[{"id": "a"}]\n\n  x',
    "empty": b"[ \n ]",
    "duplicate-key": b'[{"id": "a"}, {"id": "b", "id": "c"}]',
    "nan": b'[{"id": "a", "n": NaN}]',
    "huge-int": b'[{"id": "a"}, {"id": "b", "n": ' + b"9" * 5000 + b"}]",
    "float-overflow": b'[{"id": "a", "x": [1e999999]}]',
    "deep": b'[{"id": "a", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}]",
    "invalid-utf8": "[{\"id\": \"a\"},\n {\"id\": \"caf\u00e9\"}]".encode().replace(b"\xc3\xa9", b"\xc3("),
    "cut-character": "[{\"id\": \"\u6f22\"}, {\"id\": \"b\"}]".encode()[:11],
}


def _read(path: Path) -> list[tuple[Any, ...]]:
    return [(str(item),) if isinstance(item, Problem) else (str(item.location), item.value, item.may_hold_surrogates)
            for item in read_file(path)]


@pytest.mark.parametrize("case", sorted(ARRAYS))
def test_chunk_boundaries_change_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    path = tmp_path / "in.json"
    path.write_bytes(ARRAYS[case])
    whole = _read(path)  # one chunk holds the file
    for chunk in (1, 2, 3, 7, 64):
        monkeypatch.setattr(array_stream, "CHUNK_BYTES", chunk)
        assert _read(path) == whole, f"chunk {chunk}"


def test_array_problems_name_the_line_and_column(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(array_stream, "CHUNK_BYTES", 4)
    path = tmp_path / "in.json"
    path.write_bytes(ARRAYS["malformed-element"])
    assert _read(path)[-1] == (f"{path}:2 (element 1): malformed JSON: Expecting value at column 9; "
                               "records after element 0 were not read",)
    path.write_bytes(b'[{"id": "a"}, {"id": "b"} {"id": "c"}]')
    assert _read(path)[-1] == (f"{path}:1: malformed JSON: expected ',' or ']' between records",)


def test_invalid_utf8_in_an_array_keeps_the_elements_before_it(tmp_path: Path) -> None:
    """Read whole, such a file gave no record at all; streamed, the elements before the bad
    byte are read, as they are before a malformed element."""
    path = tmp_path / "in.json"
    path.write_bytes(ARRAYS["invalid-utf8"])
    assert _read(path) == [
        (f"{path}:1 (element 0)", {"id": "a"}, False),
        (f"{path}:2: not valid UTF-8 (byte 0xc3 at column 13); re-export the file as UTF-8; "
         "records after element 0 were not read",)]


def test_surrogate_escapes_are_looked_for_per_element(tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_bytes(ARRAYS["surrogate-escape"])
    assert [row[2] for row in _read(path)] == [True, False]
