"""Summary generation: batching, settings, loading from the store and from runs, and the
record pipeline (de-identify in memory, generate, map surrogates back)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from core.datasets import import_dataset, load_splits
from core.generation import (
    GenerationError,
    GenerationSettings,
    load_summarizer,
    summarize_records,
)
from core.hashing import sha256_file
from core.models import ModelError, init_tiny
from core.records import load_records
from core.synth import generate_corpus, write_corpus
from core.train.config import TrainConfig
from core.train.run import run_dir, start_run
from core.train.runs import RunsTable, RunStatus
from core.workspace import Workspace, init_workspace, resolve_workspace

GREEDY = GenerationSettings(num_beams=1, max_new_tokens=12, min_new_tokens=6, batch_size=4, max_source_len=128)


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A workspace with dataset ``notes``, tiny models ``tt`` (T5) and ``tb`` (BART), and two
    finished two-step runs on ``tt``: one LoRA, one ``--full``."""
    opened, _ = init_workspace(resolve_workspace(tmp_path_factory.mktemp("gen-ws") / "ws"))
    corpus = tmp_path_factory.mktemp("gen-corpus") / "records.jsonl"
    write_corpus(generate_corpus(60, 5), corpus, None)
    import_dataset(opened, corpus, "notes", strategy="redact")
    texts = list(load_splits(opened.root, "notes")["train"]["source"])
    init_tiny(opened.root, "t5", "tt", texts)
    init_tiny(opened.root, "bart", "tb", texts)
    short = {"max_steps": 2, "batch_size": 4, "max_source_len": 64, "max_target_len": 16, "device": "cpu"}
    start_run(opened.root, TrainConfig(dataset="notes", model="tt", lora_r=4, **short))
    start_run(opened.root, TrainConfig(dataset="notes", model="tt", full=True, **short))
    return opened


def _runs(ws: Workspace) -> dict[str, str]:
    """Finished run ids by method."""
    import json

    out = {}
    for info in RunsTable(ws.root).list():
        if info.status == RunStatus.FINISHED:
            saved = json.loads((run_dir(ws.root, info.run_id) / "config.json").read_text())
            out["full" if saved["config"]["full"] else "lora"] = info.run_id
    return out


@pytest.fixture(scope="module")
def sources(ws: Workspace) -> list[str]:
    """Model inputs of different lengths."""
    return list(load_splits(ws.root, "notes")["train"]["source"])[:10]


@pytest.mark.parametrize("name", ["tt", "tb"])
def test_batched_output_equals_one_at_a_time_in_the_input_order(ws: Workspace, sources: list[str], name: str) -> None:
    summarizer = load_summarizer(ws.root, model=name, device="cpu")
    batched = summarizer.summarize(sources, GREEDY)
    single = [summarizer.summarize([text], GREEDY.with_changes(batch_size=1))[0] for text in sources]
    assert batched == single
    if name == "tt":  # the random tiny BART says the same whatever its input; the T5 does not
        assert len(set(batched)) > 1  # distinct outputs, so a wrong order would show
    assert summarizer.summarize(sources[::-1], GREEDY) == batched[::-1]
    assert summarizer.summarize([], GREEDY) == []


def test_max_new_tokens_is_honoured(ws: Workspace, sources: list[str]) -> None:
    summarizer = load_summarizer(ws.root, model="tt", device="cpu")
    lengths: list[int] = []
    generate = summarizer.model.generate

    def spy(*args: Any, **kwargs: Any) -> Any:
        output = generate(*args, **kwargs)
        lengths.append(output.shape[1] - 1)  # minus the decoder start token
        return output

    summarizer.model.generate = spy
    summarizer.summarize(sources, GREEDY.with_changes(max_new_tokens=5, min_new_tokens=0))
    assert lengths and max(lengths) <= 5
    lengths.clear()
    summarizer.summarize(sources[:3], GREEDY.with_changes(max_new_tokens=7, min_new_tokens=7, num_beams=2))
    assert lengths == [7]


def test_settings_are_validated() -> None:
    defaults = GenerationSettings()
    assert (defaults.num_beams, defaults.max_new_tokens, defaults.no_repeat_ngram_size, defaults.batch_size,
            defaults.max_source_len, defaults.length_penalty, defaults.early_stopping) == (4, 128, 3, 16, 512, 1.0, True)
    for bad in ({"num_beams": 0}, {"batch_size": 0}, {"max_new_tokens": 1, "min_new_tokens": 2}, {"num_beams": 1.5}):
        with pytest.raises(GenerationError):
            GenerationSettings(**bad)
    assert defaults.with_changes(num_beams=None, batch_size=2).batch_size == 2


def test_a_stored_model_loads_with_its_manifest_hash(ws: Workspace) -> None:
    summarizer = load_summarizer(ws.root, model="tt", device="cpu")
    prov = summarizer.provenance
    assert prov["model"] == "tt" and prov["method"] == "base" and prov["run_id"] is None
    assert prov["model_manifest_sha256"] == sha256_file(ws.root / "models" / "tt" / "manifest.json")[0]
    assert prov["device"] == "cpu" and prov["precision"] == "fp32"
    assert not summarizer.model.training


def test_a_finished_lora_run_loads_merged(ws: Workspace, sources: list[str]) -> None:
    run = _runs(ws)["lora"]
    summarizer = load_summarizer(ws.root, run=run, device="cpu")
    prov = summarizer.provenance
    assert prov["run_id"] == run and prov["method"] == "lora" and prov["model"] == "tt"
    assert prov["adapter"] == f"runs/{run}/adapter" and len(prov["adapter_sha256"]) == 64
    assert type(summarizer.model).__name__ == "T5ForConditionalGeneration"  # merged, no peft wrapper
    assert len(summarizer.summarize(sources[:3], GREEDY)) == 3


def test_a_finished_full_run_loads_its_own_weights(ws: Workspace, sources: list[str]) -> None:
    run = _runs(ws)["full"]
    summarizer = load_summarizer(ws.root, run=run, device="cpu")
    prov = summarizer.provenance
    assert prov["method"] == "full" and prov["weights"] == f"runs/{run}/model" and len(prov["weights_sha256"]) == 64
    base = load_summarizer(ws.root, model="tt", device="cpu")
    assert summarizer.summarize(sources[:4], GREEDY) != base.summarize(sources[:4], GREEDY)


def test_bad_requests_fail_in_one_line_naming_the_run_or_model(ws: Workspace) -> None:
    table = RunsTable(ws.root)
    table.create("20990101-000000-tt-dead", "notes", "tt")
    table.create("20990101-000000-tt-gone", "notes", "tt")
    table.update("20990101-000000-tt-gone", status=RunStatus.FINISHED)
    gone = run_dir(ws.root, "20990101-000000-tt-gone")
    gone.mkdir(parents=True)
    (gone / "config.json").write_text('{"config": {"model": "tt"}}')
    cases = [({"run": "r", "model": "tt"}, "exactly one"), ({}, "exactly one"),
             ({"model": "nope"}, "nope"), ({"run": "20990101-000000-x-0000"}, "no run"),
             ({"run": "../models"}, "not a run id"),
             ({"run": "20990101-000000-tt-dead"}, "has not finished (status: queued)"),
             ({"run": "20990101-000000-tt-gone"}, "no adapter/ or model/")]
    for kwargs, message in cases:
        with pytest.raises((GenerationError, ModelError)) as caught:
            load_summarizer(ws.root, device="cpu", **kwargs)
        assert message in str(caught.value) and "\n" not in str(caught.value)


class EchoSummarizer:
    """Stands in for a model: each summary is its (de-identified) input, so surrogates appear."""

    def __init__(self) -> None:
        self.provenance = {"model": "echo", "run_id": None}
        self.input_fields = None  # a model, not a run: the workspace default fields
        self.seen: list[str] = []

    def summarize(self, texts: Sequence[str], settings: GenerationSettings | None = None) -> list[str]:
        self.seen += texts
        return list(texts)


def _secret() -> bytes:
    return b"s" * 32


def test_summarize_records_maps_surrogates_back_and_calls_the_fidelity_hook(ws: Workspace, tmp_path: Path) -> None:
    corpus = tmp_path / "raw.jsonl"
    write_corpus(generate_corpus(4, 77), corpus, None)
    records = load_records(corpus, ws.config, require_target=False).records
    echo, flagged = EchoSummarizer(), []

    def flag(source: str, summary: str) -> dict[str, Any]:
        flagged.append((source, summary))
        return {"ok": True}

    results = summarize_records(ws.root, records, echo, GREEDY, config=ws.config, secret=_secret(),  # type: ignore[arg-type]
                                strategy="surrogate", flag=flag)
    assert [r["id"] for r in results] == [r.record_id for r in records]
    assert all(r["fidelity"] == {"ok": True} for r in results)
    assert results[0]["provenance"]["settings"]["num_beams"] == 1 and results[0]["provenance"]["strategy"] == "surrogate"
    for record, result, (source, summary) in zip(records, results, flagged, strict=True):
        history = record.data["patient_history"]
        assert f"patient_history: {history}" in result["summary"]  # every surrogate mapped back
        assert history not in source and summary == source  # the model and the hook saw de-identified text
        last = record.data["patient_name"].split()[-1]
        assert last not in source
        assert [s["sentence"] for s in result["sources"]][-1] in result["summary"]  # shown mapped back


def test_summarize_records_with_redaction_keeps_the_tags(ws: Workspace, tmp_path: Path) -> None:
    corpus = tmp_path / "raw.jsonl"
    write_corpus(generate_corpus(2, 78), corpus, None)
    records = load_records(corpus, ws.config, require_target=False).records
    results = summarize_records(ws.root, records, EchoSummarizer(), GREEDY, config=ws.config, secret=None,  # type: ignore[arg-type]
                                strategy="redact")
    assert all("[NAME]" in r["summary"] and r["fidelity"] is None for r in results)
    for record, result in zip(records, results, strict=True):  # the echo is its own input: all supported
        sentences = result["sources"]
        assert sentences and all(s["supported"] and s["spans"] for s in sentences)
        assert all(s["sentence"] in result["summary"] for s in sentences)
        assert {span["field"].split(".")[0] for s in sentences for span in s["spans"]} <= set(record.data)
        assert all(0 <= span["start"] < span["end"] <= len(result["summary"]) for s in sentences for span in s["spans"])
    with pytest.raises(GenerationError, match="needs the de-identification secret"):
        summarize_records(ws.root, records, EchoSummarizer(), GREEDY, config=ws.config, secret=None,  # type: ignore[arg-type]
                          strategy="surrogate")
