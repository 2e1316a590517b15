"""The real backend keeps what a summary needs: the model loads once for every record, the
secrets and the lexicon are fetched once, and warm() and preload() do it ahead of the first summary."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from core.generation import GenerationSettings
from medsum_tui.tui.backend import RecordSource, SummarizerChoice
from medsum_tui.tui.local import LocalBackend
from tests.tui.test_local_backend import setup  # noqa: F401  (the fixture: a workspace with a dataset)

CHOICE = SummarizerChoice("model", "fake", "model fake")


class FakeSummarizer:
    """Stands in for a loaded model: no torch, a fixed summary."""

    device = SimpleNamespace(type="meta")  # not the CPU: torch's threads are left alone
    input_fields = None
    provenance = {"model": "fake", "method": "base", "run_id": None}

    def summarize(self, texts: list[str], settings: GenerationSettings) -> list[str]:
        return ["Patient seen for cough." for _ in texts]


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str | None, str | None]]:
    """Every load_summarizer call, answered with a :class:`FakeSummarizer`."""
    calls: list[tuple[str | None, str | None]] = []

    def load(root: Path, *, run: str | None = None, model: str | None = None, **_: Any) -> FakeSummarizer:
        calls.append((run, model))
        return FakeSummarizer()

    monkeypatch.setattr("core.generation.load_summarizer", load)
    return calls


def _count(monkeypatch: pytest.MonkeyPatch, target: str) -> list[int]:
    """Count the calls of the function at ``target`` (still calling it)."""
    module, _, name = target.rpartition(".")
    import importlib

    original = getattr(importlib.import_module(module), name)
    seen: list[int] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        seen.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(target, counted)
    return seen


def test_the_summarizer_and_secrets_load_once_across_records(setup, loads, monkeypatch) -> None:  # noqa: F811
    backend, raw, records = setup
    secrets = _count(monkeypatch, "medsum_tui.tui.local.deid_secret")
    audit_keys = _count(monkeypatch, "core.audit.workspace_secret")  # once per Auditor
    file = RecordSource("file", str(raw))
    first, second = (backend.summarize(file, r["id"], CHOICE) for r in records[:2])
    dataset = RecordSource("dataset", "notes", "train")
    for row in backend.records(dataset, offset=0, limit=2).rows:
        backend.summarize(dataset, row.record_id, CHOICE)
    assert loads == [(None, "fake")]
    assert len(secrets) == 1 and len(audit_keys) == 1
    assert (first.record_id, second.record_id) == (records[0]["id"], records[1]["id"])
    assert second.summary == "Patient seen for cough." and second.provenance["strategy"] == "surrogate"
    audit = (backend.location.path / "audit" / "audit.jsonl").read_text(encoding="utf-8")
    assert audit.count('"op":"summarize"') == 4  # every summary is still audited


def test_warm_loads_ahead_and_another_choice_replaces_the_model(setup, loads) -> None:  # noqa: F811
    backend, raw, records = setup
    backend.warm(CHOICE)
    assert loads == [(None, "fake")]
    backend.summarize(RecordSource("file", str(raw)), records[0]["id"], CHOICE)
    assert loads == [(None, "fake")]  # the summary found it loaded
    other = SummarizerChoice("model", "other", "model other")
    backend.warm(other)
    backend.summarize(RecordSource("file", str(raw)), records[0]["id"], CHOICE)
    assert loads == [(None, "fake"), (None, "other"), (None, "fake")]  # one model in memory at a time


def test_preload_imports_then_warms_the_newest_choice(setup, loads, monkeypatch) -> None:  # noqa: F811
    backend, _, _ = setup
    imported: list[int] = []
    monkeypatch.setattr("core.generation.warmup.import_generation_stack", lambda: imported.append(1))
    backend.preload()
    assert imported == [1] and loads == []  # no run or model yet: nothing to warm
    monkeypatch.setattr(LocalBackend, "summarizers", lambda self: [CHOICE])
    backend.preload()
    assert loads == [(None, "fake")]


def test_warm_before_init_does_nothing(tmp_path: Path, loads) -> None:
    from core.workspace import resolve_workspace

    LocalBackend(resolve_workspace(tmp_path / "none")).warm(CHOICE)
    assert loads == []
