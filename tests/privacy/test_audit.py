"""The audit log: every kind of tampering fails and names the entry; the head catches a cut tail."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from privacy.audit import AuditError, AuditLog, entry_mac
from privacy.ledger import Ledger

KEY = bytes(range(32))


class MemoryHead:
    """A head store in memory."""

    def __init__(self) -> None:
        self.head: tuple[int, str] | None = None

    def audit_head(self) -> tuple[int, str] | None:
        return self.head

    def set_audit_head(self, count: int, mac: str) -> None:
        self.head = (count, mac)


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    audit = AuditLog(tmp_path / "audit" / "audit.jsonl", KEY, MemoryHead())
    for i in range(1, 6):
        audit.append("data.import", {"dataset": f"d{i}", "records": i, "sha256": "ab" * 32})
    return audit


def _lines(log: AuditLog) -> list[str]:
    return log.path.read_text().splitlines(keepends=True)


def _write(log: AuditLog, lines: list[str]) -> None:
    log.path.write_text("".join(lines))


def test_a_good_log_verifies(log: AuditLog) -> None:
    result = log.verify()
    assert (result.ok, result.entries, result.bad_seq, result.reason) == (True, 5, None, "")
    entries = [json.loads(line) for line in _lines(log)]
    assert [e["seq"] for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0]["prev"] == "" and entries[1]["prev"] == entries[0]["mac"]
    assert log.path.stat().st_mode & 0o777 == 0o600
    assert log.path.parent.stat().st_mode & 0o777 == 0o700


def test_an_edited_line_fails_and_names_it(log: AuditLog) -> None:
    lines = _lines(log)
    lines[2] = lines[2].replace('"records":3', '"records":30')
    _write(log, lines)
    result = log.verify()
    assert not result.ok and (result.bad_seq, result.bad_line, result.entries) == (3, 3, 2)
    assert result.reason.startswith("entry 3 (line 3): its mac does not match")


def test_a_deleted_line_fails_and_names_it(log: AuditLog) -> None:
    lines = _lines(log)
    del lines[1]
    _write(log, lines)
    result = log.verify()
    assert not result.ok and (result.bad_seq, result.bad_line) == (3, 2)
    assert "entry 3 (line 2): holds seq 3 where seq 2 belongs" in result.reason


def test_reordered_lines_fail_and_name_the_first(log: AuditLog) -> None:
    lines = _lines(log)
    lines[3], lines[4] = lines[4], lines[3]
    _write(log, lines)
    result = log.verify()
    assert not result.ok and (result.bad_seq, result.bad_line) == (5, 4) and "deleted, inserted or moved" in result.reason


def test_a_line_appended_by_hand_fails(log: AuditLog) -> None:
    lines = _lines(log)
    last = json.loads(lines[-1])
    forged = {"seq": 6, "time": last["time"], "op": "data.import", "fields": {"dataset": "x"}, "prev": last["mac"]}
    forged["mac"] = entry_mac(b"not the key" * 3, forged)
    _write(log, [*lines, json.dumps(forged) + "\n"])
    result = log.verify()
    assert not result.ok and (result.bad_seq, result.bad_line) == (6, 6) and "its mac does not match" in result.reason
    _write(log, [*lines, lines[1]])  # a copy of a genuine entry
    result = log.verify()
    assert not result.ok and (result.bad_seq, result.bad_line) == (2, 6) and "holds seq 2 where seq 6" in result.reason
    _write(log, [*lines, "not json\n"])
    assert log.verify().reason == "line 6: not a JSON object: the line was damaged or written by hand"


def test_an_inserted_genuine_line_from_elsewhere_fails(log: AuditLog, tmp_path: Path) -> None:
    other = AuditLog(tmp_path / "other.jsonl", KEY, MemoryHead())
    other.append("deid", {"records": 1})
    other.append("deid", {"records": 2})
    lines = _lines(log)
    lines[1] = _lines(other)[1]  # seq 2 with a valid mac, but it links to another chain
    _write(log, lines)
    result = log.verify()
    assert not result.ok and (result.bad_seq, result.bad_line) == (2, 2)
    assert "does not link to the entry before it" in result.reason


def test_a_cut_tail_is_caught_by_the_head(log: AuditLog) -> None:
    _write(log, _lines(log)[:3])
    result = log.verify()
    assert not result.ok and (result.entries, result.bad_seq) == (3, 4)
    assert result.reason.startswith("entry 4: missing; the log ends at entry 3 but the ledger records 5 entries")
    # Appending after the cut goes on from the head, so the gap stays visible.
    log.append("deid", {"records": 1})
    result = log.verify()
    assert not result.ok and (result.bad_seq, result.bad_line) == (6, 4)
    log.path.write_text("")
    assert log.verify().reason.startswith("entry 1: missing; the log ends at entry 0")


def test_without_the_head_a_cut_tail_would_pass(tmp_path: Path) -> None:
    head = MemoryHead()
    log = AuditLog(tmp_path / "a.jsonl", KEY, head)
    for i in range(3):
        log.append("deid", {"records": i})
    _write(log, _lines(log)[:2])
    head.head = None
    result = log.verify()
    assert not result.ok and "the ledger records no audit head" in result.reason


def test_the_last_entry_replaced_is_caught(tmp_path: Path) -> None:
    head = MemoryHead()
    log = AuditLog(tmp_path / "a.jsonl", KEY, head)
    for i in range(2):
        log.append("deid", {"records": i})
    head.head = (2, "0" * 64)  # the ledger saw another entry 2
    result = log.verify()
    assert not result.ok and result.bad_seq == 2 and "differs from the last entry the ledger records" in result.reason


def test_an_entry_written_just_before_a_crash_is_adopted(tmp_path: Path) -> None:
    head = MemoryHead()
    log = AuditLog(tmp_path / "a.jsonl", KEY, head)
    log.append("deid", {"records": 1})
    saved = head.head
    log.append("deid", {"records": 2})
    head.head = saved  # the process died between writing entry 2 and recording the head
    assert not log.verify().ok
    log.append("deid", {"records": 3})
    assert log.verify().ok and log.verify().entries == 3


def test_fields_are_small_json_values_only(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl", KEY, MemoryHead())
    with pytest.raises(AuditError, match="fields.note: text longer"):
        log.append("deid", {"note": "line one\nline two"})
    with pytest.raises(AuditError, match="fields.blob: bytes is not a JSON value"):
        log.append("deid", {"blob": b"x"})
    with pytest.raises(AuditError, match="key 'a b' is not a plain name"):
        log.append("deid", {"a b": 1})
    with pytest.raises(AuditError, match="operation"):
        log.append("rm -rf", {})
    entry = log.append("deid", {"counts": {"NAME": 2}, "files": ["ab", "cd"], "ok": True, "eps": 1.5})
    assert entry["fields"] == {"counts": {"NAME": 2}, "files": ["ab", "cd"], "ok": True, "eps": 1.5}
    assert log.verify().ok and log.verify().entries == 1


def _appender(path: str, ledger: str, count: int) -> None:
    log = AuditLog(Path(path), KEY, Ledger(Path(ledger)))
    for i in range(count):
        log.append("deid", {"records": i})


def test_two_processes_append_at_once(tmp_path: Path) -> None:
    path, ledger = tmp_path / "audit.jsonl", tmp_path / "ledger.sqlite"
    Ledger(ledger)
    context = multiprocessing.get_context("spawn")
    procs = [context.Process(target=_appender, args=(str(path), str(ledger), 25)) for _ in range(2)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    result = AuditLog(path, KEY, Ledger(ledger)).verify()
    assert result.ok and result.entries == 50
