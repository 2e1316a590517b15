"""The actor of each audit entry: named (OS user and host) or hashed, covered by the entry's
mac, and logs written before actors existed still verify."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from privacy.audit import HASHED_PREFIX, Actor, AuditLog, actor_key, current_actor, entry_mac

KEY = bytes(range(32))
NURSE = Actor("maria.lopez", "ward7-pc")


class MemoryHead:
    """A head store in memory."""

    def __init__(self) -> None:
        self.head: tuple[int, str] | None = None

    def audit_head(self) -> tuple[int, str] | None:
        return self.head

    def set_audit_head(self, count: int, mac: str) -> int:
        self.head = (count, mac)
        return 0

    def seal_version(self) -> int:
        return 0


def _entries(log: AuditLog) -> list[dict]:
    return [json.loads(line) for line in log.path.read_text().splitlines()]


def test_every_entry_names_the_user_and_host(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl", KEY, MemoryHead(), actor=NURSE)
    log.append("deid", {"records": 2})
    log.append("summarize", {"records": 1})
    assert [(e["user"], e["host"]) for e in _entries(log)] == [("maria.lopez", "ward7-pc")] * 2
    assert log.verify().ok


def test_the_default_actor_is_this_process_user_and_host(tmp_path: Path) -> None:
    import getpass
    import socket

    log = AuditLog(tmp_path / "a.jsonl", KEY, MemoryHead())
    log.append("deid", {"records": 2})
    entry = _entries(log)[0]
    assert (entry["user"], entry["host"]) == (getpass.getuser(), socket.gethostname())


def test_an_os_without_a_user_name_gives_a_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    import getpass

    def no_user() -> str:
        raise OSError("no user name")

    monkeypatch.setattr(getpass, "getuser", no_user)
    assert current_actor().user.startswith("uid-")


def test_hashed_actors_hold_no_name_and_are_stable_per_key(tmp_path: Path) -> None:
    token = NURSE.hashed(actor_key(KEY))
    assert token == NURSE.hashed(actor_key(KEY))  # the same user, the same token
    assert token.user.startswith(HASHED_PREFIX) and token.host.startswith(HASHED_PREFIX)
    assert token.user != Actor("other", "ward7-pc").hashed(actor_key(KEY)).user
    assert token.user != NURSE.hashed(actor_key(bytes(32))).user  # another workspace's key, another token
    log = AuditLog(tmp_path / "a.jsonl", KEY, MemoryHead(), actor=token)
    log.append("records.view", {"records": 1, "record_ids": ["r-1"]})
    text = log.path.read_text()
    assert "maria" not in text and "ward7" not in text
    assert log.verify().ok


@pytest.mark.parametrize(("key", "value"), [("user", "someone.else"), ("host", "other-pc")])
def test_an_edited_actor_fails_and_names_the_entry(tmp_path: Path, key: str, value: str) -> None:
    log = AuditLog(tmp_path / "a.jsonl", KEY, MemoryHead(), actor=NURSE)
    for i in range(3):
        log.append("deid", {"records": i})
    lines = log.path.read_text().splitlines(keepends=True)
    entry = json.loads(lines[1])
    entry[key] = value
    lines[1] = json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n"
    log.path.write_text("".join(lines))
    result = log.verify()
    assert not result.ok and result.bad_seq == 2
    assert result.reason.startswith("entry 2 (line 2): its mac does not match")


def test_an_actor_cut_out_of_an_entry_fails(tmp_path: Path) -> None:
    """Removing ``user`` and ``host`` does not pass the entry off as one from before actors."""
    log = AuditLog(tmp_path / "a.jsonl", KEY, MemoryHead(), actor=NURSE)
    log.append("deid", {"records": 1})
    entry = _entries(log)[0]
    del entry["user"], entry["host"]
    log.path.write_text(json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n")
    result = log.verify()
    assert not result.ok and result.bad_seq == 1 and "mac does not match" in result.reason


def test_a_log_from_before_actors_still_verifies_and_goes_on(tmp_path: Path) -> None:
    """Entries as the earlier format wrote them (no user, no host), then new ones after them."""
    head = MemoryHead()
    path = tmp_path / "a.jsonl"
    prev, lines = "", []
    for seq in (1, 2):
        old = {"seq": seq, "time": "2026-01-02T03:04:05.000000+00:00", "op": "deid", "fields": {"records": seq},
               "prev": prev}
        old["mac"] = prev = entry_mac(KEY, old)
        lines.append(json.dumps(old, sort_keys=True, separators=(",", ":")) + "\n")
    path.write_text("".join(lines))
    head.set_audit_head(2, prev)
    log = AuditLog(path, KEY, head, actor=NURSE)
    assert log.verify().ok
    log.append("summarize", {"records": 1})
    entries = _entries(log)
    assert "user" not in entries[0] and entries[2]["user"] == "maria.lopez" and entries[2]["prev"] == prev
    result = log.verify()
    assert result.ok and result.entries == 3


def test_an_actor_that_is_not_a_name_is_refused(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl", KEY, MemoryHead(), actor=NURSE)
    log.append("deid", {"records": 1})
    entry = _entries(log)[0]
    entry["user"] = 7
    entry["mac"] = entry_mac(KEY, entry)  # even with the key: an actor is a name
    log.path.write_text(json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n")
    result = log.verify()
    assert not result.ok and "user or host is not a name" in result.reason
