"""``medsum deid`` streams its input (issue 20, item 13): records are read, de-identified and
written a batch at a time, and worker processes are handed a bounded number of batches.

Checked by counting (live records, batches handed out), not by timing or RSS: the memory
figures are the benchmark's (``bench/deid.py --memory``). The de-identifier is replaced by a
stand-in that copies the record, so these tests count records, not detector time."""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from core import deid_run
from core.config import MedsumConfig
from core.deid_run import deidentify_file, deidentify_records
from core.errors import InputError
from core.records import Record
from core.records.problems import Location
from privacy.deid.engine import DeidOutcome, Deidentifier

CONFIG = MedsumConfig()
RECORDS = 1500


def _row(i: int) -> dict[str, Any]:
    return {"id": f"r-{i:05d}", "mrn": f"m-{i}", "note": f"Seen in clinic, note {i}."}


def _write(path: Path, rows: list[dict[str, Any]], tail: str = "") -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + tail, encoding="utf-8")
    return path


@pytest.fixture
def live(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A count of the Records alive, from now on; and a stand-in de-identifier that notes how
    many are alive each time it is called (``calls``, ``most_alive``)."""
    seen: dict[str, Any] = {"alive": 0, "calls": 0, "most_alive": 0}
    original_init = Record.__init__

    def gone() -> None:
        seen["alive"] -= 1

    def init(self: Record, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        seen["alive"] += 1
        weakref.finalize(self, gone)

    def deidentify(self: Deidentifier, record: dict[str, Any], patient: str, **kwargs: Any) -> DeidOutcome:
        seen["calls"] += 1
        seen["most_alive"] = max(seen["most_alive"], seen["alive"])
        return DeidOutcome(dict(record))

    monkeypatch.setattr(Record, "__init__", init)
    monkeypatch.setattr(Deidentifier, "deidentify", deidentify)
    return seen


def test_deid_holds_a_batch_of_records_not_the_input(live: dict[str, Any], tmp_path: Path) -> None:
    source = _write(tmp_path / "in.jsonl", [_row(i) for i in range(RECORDS)])
    out = tmp_path / "out.jsonl"
    report = deidentify_file(source, out, CONFIG, strategy="redact", secret=None)
    assert report.records == RECORDS and live["calls"] == RECORDS
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == [f"r-{i:05d}" for i in range(RECORDS)]
    assert live["most_alive"] <= 2 * deid_run._CHUNK, live["most_alive"]  # all 1,500 before


def test_skip_bad_streams_too_and_lists_every_problem(live: dict[str, Any], tmp_path: Path) -> None:
    rows = [_row(i) for i in range(RECORDS)]
    rows[700] = _row(3)  # a duplicate id
    source = _write(tmp_path / "in.jsonl", rows, tail="{broken\n")
    out = tmp_path / "out.jsonl"
    report = deidentify_file(source, out, CONFIG, strategy="redact", secret=None, skip_bad=True)
    assert report.records == RECORDS - 1 and len(out.read_text().splitlines()) == RECORDS - 1
    assert report.problems == [
        f"{source}:701: record 'r-00003': duplicate id, first used at {source}:4; this record was not loaded",
        f"{source}:{RECORDS + 1}: malformed JSON: Expecting property name enclosed in double quotes at column 2"]
    assert live["most_alive"] <= 2 * deid_run._CHUNK


def test_a_bad_record_in_a_large_input_fails_before_any_is_de_identified(live: dict[str, Any], tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deid_run, "_CHECK_FIRST_BYTES", 1000)  # the input is "large": it is checked first
    source = _write(tmp_path / "in.jsonl", [_row(i) for i in range(RECORDS)] + [_row(5)], tail='{"id": 7}\n')
    out = tmp_path / "out.jsonl"
    with pytest.raises(InputError, match=r"^2 problem\(s\) in the input") as failed:
        deidentify_file(source, out, CONFIG, strategy="redact", secret=None)
    assert [p.location.line for p in failed.value.problems] == [RECORDS + 1, RECORDS + 2]
    assert live["calls"] == 0 and not out.exists()


def test_a_bad_record_in_a_small_input_stops_the_run_at_it(live: dict[str, Any], tmp_path: Path) -> None:
    """Checked as it streams (or a large input that changed since its check): the run stops
    de-identifying at the first problem, reads on for the others and fails with all of them,
    leaving ``out`` as it was."""
    rows = [_row(i) for i in range(RECORDS)]
    source = _write(tmp_path / "in.jsonl", rows[:600] + [{"id": "x"}] + rows[600:] + [_row(1)])
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n")
    with pytest.raises(InputError) as failed:
        deidentify_file(source, out, CONFIG, strategy="redact", secret=None)
    assert [p.location.line for p in failed.value.problems] == [601, RECORDS + 2]
    assert live["calls"] <= 600 + deid_run._CHUNK  # no record past the problem's batch
    assert out.read_text() == "previous\n" and [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []


class _CountingPool(ProcessPoolExecutor):
    """A process pool that counts the batches handed to it."""

    submitted = 0

    def submit(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        type(self).submitted += 1
        return super().submit(*args, **kwargs)


def _record(i: int) -> Record:
    return Record(f"r-{i:05d}", f"p{i}", "id", _row(i), Location("in.jsonl", i + 1))


def _run_with_workers(records: Iterable[Record], monkeypatch: pytest.MonkeyPatch,
                      taken: Callable[[], int] | None = None) -> tuple[int, int]:
    """De-identify ``records`` with two workers; return the most batches handed to the pool
    and not yet taken back, and the most records read ahead of the results (with ``taken``)."""
    monkeypatch.setattr(deid_run, "ProcessPoolExecutor", _CountingPool)
    monkeypatch.setattr(_CountingPool, "submitted", 0)
    done = most_submitted = most_ahead = 0
    for result in deidentify_records(records, CONFIG, strategy="redact", secret=None, workers=2):
        assert result.record_id == f"r-{done:05d}"
        done += 1
        most_submitted = max(most_submitted, _CountingPool.submitted - done // deid_run._CHUNK)
        if taken is not None:
            most_ahead = max(most_ahead, taken() - done)
    assert done == RECORDS and _CountingPool.submitted == -(-RECORDS // deid_run._CHUNK)
    return most_submitted, most_ahead


def test_workers_are_handed_a_bounded_number_of_batches(live: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """``Executor.map`` handed the pool every batch at once (all the records, pickled, queued)."""
    most_submitted, _ = _run_with_workers([_record(i) for i in range(RECORDS)], monkeypatch)
    assert most_submitted <= 2 * deid_run._AHEAD_PER_WORKER, most_submitted  # 24 before: every batch


def test_workers_read_their_records_as_results_are_taken(live: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    taken = 0

    def records() -> Iterator[Record]:
        nonlocal taken
        for i in range(RECORDS):
            taken += 1
            yield _record(i)

    _, most_ahead = _run_with_workers(records(), monkeypatch, lambda: taken)
    assert most_ahead <= (2 * deid_run._AHEAD_PER_WORKER + 1) * deid_run._CHUNK, most_ahead
