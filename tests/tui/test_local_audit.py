"""The TUI's local backend audits access to raw records: each raw view of a local file's
record (coalesced within a window), each summary export; a dataset's de-identified records
are not audited. No entry holds a value of a record."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from core.audit import audit_path, read_entries
from core.datasets import import_dataset
from core.synth import generate_corpus, write_corpus
from core.workspace import init_workspace, resolve_workspace
from medsum_tui.tui import local
from medsum_tui.tui.backend import RecordSource, SummaryView
from medsum_tui.tui.local import LocalBackend


@pytest.fixture
def setup(tmp_path: Path) -> tuple[LocalBackend, Path, list[dict]]:
    """A workspace with one imported (redacted) dataset, and the raw file beside it."""
    opened, _ = init_workspace(resolve_workspace(tmp_path / "ws"))
    corpus = generate_corpus(12, 5)
    raw = tmp_path / "raw.jsonl"
    write_corpus(corpus, raw, None)
    import_dataset(opened, raw, "notes", strategy="redact")
    return LocalBackend(opened.location), raw, corpus.records


def _entries(backend: LocalBackend, op: str) -> list[dict]:
    return [e for e in read_entries(backend.location.path) if e["op"] == op]


def test_a_raw_view_is_audited_with_its_record_id_once_per_window(setup, monkeypatch: pytest.MonkeyPatch) -> None:
    backend, raw, records = setup
    dataset = RecordSource("dataset", "notes", "train")
    backend.record(dataset, backend.records(dataset, offset=0, limit=1).rows[0].record_id)  # de-identified: not audited
    source = RecordSource("file", str(raw))
    first, second = records[0], records[1]
    view = backend.record(source, first["id"])
    assert view.raw is not None and first["patient_name"] in view.raw
    [entry] = _entries(backend, "records.view")
    assert entry["fields"]["record_ids"] == [first["id"]] and entry["fields"]["records"] == 1
    assert entry["fields"]["input_sha256"] == hashlib.sha256(raw.read_bytes()).hexdigest()
    assert entry["user"] and entry["host"]
    backend.record(source, first["id"])  # shown again at once: coalesced
    backend.record(source, second["id"])  # another record: its own entry
    assert [e["fields"]["record_ids"] for e in _entries(backend, "records.view")] == [[first["id"]], [second["id"]]]
    monkeypatch.setattr(local, "VIEW_COALESCE_S", 0.0)  # the window passed
    backend.record(source, first["id"])
    assert len(_entries(backend, "records.view")) == 3
    log = audit_path(backend.location.path).read_text()
    for record in (first, second):
        assert not [w for w in record["patient_name"].split() if w in log] and record["dob"] not in log


def test_a_raw_view_is_withheld_when_it_cannot_be_audited(setup) -> None:
    backend, raw, records = setup

    class Broken:
        def event(self, op: str, **fields: object) -> int:
            raise local.MedsumError("audit log: cannot record records.view")

    backend._auditor = Broken()  # noqa: SLF001 - the audit log fails as a full disk would make it
    with pytest.raises(local.MedsumError, match="cannot record records.view"):
        backend.record(RecordSource("file", str(raw)), records[0]["id"])


def test_a_summary_export_is_audited_with_its_record_id_and_hash(setup, tmp_path: Path) -> None:
    backend, _, records = setup
    view = SummaryView(records[0]["id"], f"{records[0]['patient_name']} was seen.", [], [], [], 0, [],
                       {"model": "tiny"}, 0.1)
    exported = backend.export_summary(view, str(tmp_path / "summary.json"))
    [entry] = _entries(backend, "summary.export")
    assert entry["fields"]["record_ids"] == [records[0]["id"]]
    assert entry["fields"]["output_sha256"] == exported.sha256
    assert records[0]["patient_name"] not in audit_path(backend.location.path).read_text()
