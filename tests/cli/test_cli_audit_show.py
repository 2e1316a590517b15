"""``medsum audit show`` and ``medsum audit verify --json``, and the entries that access to raw
records writes through the CLI (``medsum summarize``: the record ids, never a value)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from core.audit import Auditor, audit_path, read_entries, record_ids
from core.workspace import init_workspace, resolve_workspace
from privacy.audit import HASHED_PREFIX, Actor

NURSE = Actor("maria.lopez", "ward7-pc")


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace with three entries by maria.lopez on ward7-pc: a de-identification, a raw
    record view and a summary."""
    monkeypatch.setattr("core.audit.current_actor", lambda: NURSE)
    opened, _ = init_workspace(resolve_workspace(tmp_path / "ws"))
    auditor = Auditor(opened.root)
    auditor.event("deid", strategy="redact", records=40, input_sha256="ab" * 32)
    auditor.event("records.view", **record_ids(["rec-7"]), source="file")
    auditor.event("summarize", **record_ids(["rec-7", "rec-9"]), source="raw", model="tt")
    return opened.root


def _show(medsum, root: Path, *args: str):
    return medsum("audit", "show", "--workspace", str(root), *args)


def test_show_lists_each_entry_with_its_actor(medsum, ws: Path) -> None:
    result = _show(medsum, ws)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "Audit log: verified, 3 entries; 3 shown"
    assert lines[1].split() == ["seq", "time", "(utc)", "user", "host", "op", "fields"]
    assert [line.split()[3:5] for line in lines[2:]] == [["maria.lopez", "ward7-pc"]] * 3
    assert [line.split()[5] for line in lines[2:]] == ["deid", "records.view", "summarize"]
    assert "record_ids=rec-7,rec-9" in lines[4] and "input_sha256=abababababab…" in lines[2]


def test_show_filters_by_op_user_and_time(medsum, ws: Path) -> None:
    def seqs(*args: str) -> list[int]:
        result = _show(medsum, ws, "--json", *args)
        assert result.code == 0, result.err
        return [e["seq"] for e in json.loads(result.out)["entries"]]

    today = datetime.now(UTC).date()
    assert seqs("--op", "records.view") == [2]
    assert seqs("--user", "maria.lopez") == [1, 2, 3] and seqs("--user", "someone.else") == []
    assert seqs("--since", str(today)) == [1, 2, 3] and seqs("--until", str(today)) == [1, 2, 3]
    assert seqs("--since", str(today + timedelta(days=1))) == [] and seqs("--until", str(today - timedelta(1))) == []
    later = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    assert seqs("--until", later, "--op", "summarize") == [3]


def test_show_json_holds_the_full_entries(medsum, ws: Path) -> None:
    result = _show(medsum, ws, "--json", "--op", "summarize")
    document = json.loads(result.out)
    assert (document["schema"], document["schema_version"]) == ("medsum.audit", 1)
    assert document["verified"] is True and document["verification"]["entries"] == 3 and document["count"] == 1
    assert document["filters"] == {"op": "summarize", "since": None, "until": None, "user": None}
    entry = document["entries"][0]
    assert entry == {**read_entries(ws)[2]}  # as written: seq, time, user, host, op, fields, prev, mac
    assert entry["fields"]["record_ids"] == ["rec-7", "rec-9"] and entry["fields"]["records"] == 2


def test_user_filter_finds_a_hashed_user_by_name(medsum, ws: Path) -> None:
    config = ws / "config.toml"
    config.write_text(config.read_text() + '\n[audit]\nactor = "hashed"\n')
    Auditor(ws).event("summary.export", **record_ids(["rec-7"]), format="json", output_sha256="cd" * 32)
    result = _show(medsum, ws, "--json", "--user", "maria.lopez")
    entries = json.loads(result.out)["entries"]
    assert [e["seq"] for e in entries] == [1, 2, 3, 4]
    assert entries[3]["user"].startswith(HASHED_PREFIX)


@pytest.mark.parametrize("option", ["--since", "--until"])
def test_a_bad_date_is_a_one_line_usage_error(medsum, ws: Path, option: str) -> None:
    result = _show(medsum, ws, option, "last tuesday")
    assert result.code == 2 and result.out == ""
    assert result.err.strip().splitlines() == [
        f"medsum: error: {option} 'last tuesday': not a date (YYYY-MM-DD) or an ISO 8601 time "
        "(2026-01-31T14:00, UTC unless it gives a zone)"]


def test_a_broken_log_is_not_shown_unless_asked(medsum, ws: Path) -> None:
    lines = audit_path(ws).read_text().splitlines(keepends=True)
    lines[1] = lines[1].replace('"user":"maria.lopez"', '"user":"someone.else"')
    audit_path(ws).write_text("".join(lines))
    refused = _show(medsum, ws)
    assert refused.code == 1 and "entry 2 (line 2): its mac does not match" in refused.err
    assert "someone.else" not in refused.out and "nothing shown" in refused.out
    as_json = json.loads(_show(medsum, ws, "--json").out)
    assert as_json["verified"] is False and as_json["entries"] == [] and as_json["verification"]["bad_seq"] == 2
    forced = _show(medsum, ws, "--unverified")
    assert forced.code == 1 and "someone.else" in forced.out and "FAILED verification" in forced.err
    verify = medsum("audit", "verify", "--json", "--workspace", str(ws))
    assert verify.code == 1 and json.loads(verify.out)["bad_seq"] == 2


def test_verify_json(medsum, ws: Path) -> None:
    result = medsum("audit", "verify", "--json", "--workspace", str(ws))
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert document == {"schema": "medsum.audit.verify", "schema_version": 1, "ok": True, "entries": 3,
                        "bad_seq": None, "bad_line": None, "reason": ""}
    assert read_entries(ws)[-1]["op"] == "audit.verify"  # verifying is audited, as without --json


class EchoSummarizer:
    """A stand-in model: its "summary" is the start of the de-identified text it was given."""

    input_fields = None
    device = SimpleNamespace(type="stub")
    provenance = {"model": "echo", "method": "base"}

    def summarize(self, texts: list[str], settings: object) -> list[str]:
        return [text[:60] for text in texts]


def test_summarize_records_the_ids_it_read_and_the_export_never_a_value(
        medsum, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``medsum summarize`` of a raw file: a "summarize" entry with the record ids and a
    "summary.export" entry with the file's SHA-256; no name, date or text of a record anywhere
    in the log."""
    from core.synth import generate_corpus, write_corpus

    monkeypatch.setattr("core.generation.load_summarizer", lambda root, run, model: EchoSummarizer())
    monkeypatch.setattr("core.generation.warmup.import_generation_stack", lambda: None)
    opened, _ = init_workspace(resolve_workspace(tmp_path / "ws"))
    (opened.root / "models" / "echo").mkdir(parents=True)  # the name check before loading finds it; the stub loads
    corpus = generate_corpus(5, 21)
    raw = tmp_path / "in.jsonl"
    write_corpus(corpus, raw, None)
    out = tmp_path / "summaries.jsonl"
    result = medsum("summarize", "--workspace", str(opened.root), "--model", "echo", str(raw), "--out", str(out))
    assert result.code == 0, result.err
    ids = [r["id"] for r in corpus.records]
    summarized, exported = [e for e in read_entries(opened.root) if e["op"] in ("summarize", "summary.export")]
    assert summarized["op"] == "summarize" and summarized["fields"]["record_ids"] == ids
    assert summarized["fields"]["records"] == 5 and summarized["fields"]["source"] == "raw"
    assert exported["op"] == "summary.export" and exported["fields"]["record_ids"] == ids
    assert exported["fields"]["output_sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert exported["seq"] == summarized["seq"] + 1 and summarized["user"] and summarized["host"]
    log = audit_path(opened.root).read_text()
    for record in corpus.records:
        for value in (*record["patient_name"].split(), record["dob"], record["patient_history"][:40]):
            assert value not in log
