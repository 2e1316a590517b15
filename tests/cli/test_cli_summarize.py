"""``medsum summarize`` through the CLI: JSON lines with provenance, surrogates mapped back
for display only, and one-line errors."""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from core.datasets import import_dataset, load_splits
from core.generation import GenerationSettings, Summarizer
from core.models import init_tiny
from core.synth import generate_corpus, write_corpus
from core.train.config import TrainConfig
from core.train.run import start_run
from core.workspace import init_workspace, resolve_workspace

FAST = ("--num-beams", "1", "--max-new-tokens", "6")


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A workspace with tiny T5 ``tt`` and a finished two-step LoRA run on it: (workspace, run id)."""
    root = tmp_path_factory.mktemp("sum-ws") / "ws"
    opened, _ = init_workspace(resolve_workspace(root))
    corpus = tmp_path_factory.mktemp("sum-corpus") / "records.jsonl"
    write_corpus(generate_corpus(40, 9), corpus, None)
    import_dataset(opened, corpus, "notes", strategy="redact")
    init_tiny(opened.root, "t5", "tt", list(load_splits(opened.root, "notes")["train"]["source"]))
    info = start_run(opened.root, TrainConfig(dataset="notes", model="tt", lora_r=4, max_steps=2, batch_size=4,
                                              max_source_len=64, max_target_len=16, device="cpu"))
    return str(root), info.run_id


@pytest.fixture
def records(tmp_path: Path) -> Path:
    """Five synthetic records with fake PHI (no reference summary needed)."""
    path = tmp_path / "in.jsonl"
    write_corpus(generate_corpus(5, 21), path, None)
    return path


def _rows(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_summarize_with_a_model_writes_json_lines_with_provenance(medsum, ws, records: Path, tmp_path: Path) -> None:
    root, _ = ws
    out = tmp_path / "summaries.jsonl"
    result = medsum("summarize", "--workspace", root, "--model", "tt", str(records), "--out", str(out), *FAST,
                    "--batch-size", "2")
    assert result.code == 0, result.err
    rows = _rows(out.read_text())
    assert [r["id"] for r in rows] == [json.loads(line)["id"] for line in records.read_text().splitlines()]
    assert all(set(r) == {"id", "summary", "fidelity", "provenance", "sources"} for r in rows)
    sentences = [s for r in rows for s in r["sources"]]  # sentence-level provenance, beside the flags
    assert all(set(s) == {"sentence", "supported", "coverage", "spans"} for s in sentences)
    assert all(set(span) == {"field", "start", "end", "score"} for s in sentences for span in s["spans"])
    assert all(s["supported"] is False for s in sentences if not s["spans"])
    assert all(set(r["fidelity"]) == {"hallucinated", "omitted", "number_errors", "flagged"} for r in rows)
    prov = rows[0]["provenance"]
    assert prov["model"] == "tt" and prov["method"] == "base" and len(prov["model_manifest_sha256"]) == 64
    assert prov["settings"]["num_beams"] == 1 and prov["settings"]["max_new_tokens"] == 6
    assert prov["settings"]["batch_size"] == 2 and prov["strategy"] == "surrogate"
    assert result.out == ""
    assert re.search(rf"Summarized 5 record\(s\) in [\d.]+ s -> {re.escape(str(out))}", result.err)


def test_summarize_with_a_run_prints_to_stdout(medsum, ws, records: Path) -> None:
    root, run = ws
    result = medsum("summarize", "--workspace", root, "--run", run, str(records), *FAST, "--strategy", "redact")
    assert result.code == 0, result.err
    rows = _rows(result.out)
    assert len(rows) == 5 and rows[0]["provenance"]["run_id"] == run and rows[0]["provenance"]["method"] == "lora"
    assert rows[0]["provenance"]["strategy"] == "redact" and "-> stdout" in result.err


def test_surrogates_in_a_summary_show_the_real_values_and_the_mapping_is_never_written(
        medsum, ws, records: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The "model" echoes its de-identified input, so its summary quotes every surrogate."""
    root, _ = ws
    seen: list[str] = []

    def echo(self: Summarizer, texts: Sequence[str], settings: GenerationSettings | None = None) -> list[str]:
        seen.extend(texts)
        return list(texts)

    monkeypatch.setattr(Summarizer, "summarize", echo)
    # A fixed secret, so the test is the same every run. With a random one, about 1 record in
    # 300 has two real names sharing a surrogate, which is (rightly) not mapped back, and a
    # surrogate can be a name that another record really holds; this test checks neither.
    monkeypatch.setattr("core.secrets.deid_secret", lambda location: b"fixed-secret-for-this-test-00a")
    out = tmp_path / "shown.jsonl"
    result = medsum("summarize", "--workspace", root, "--model", "tt", str(records), "--out", str(out))
    assert result.code == 0, result.err
    raw = [json.loads(line) for line in records.read_text().splitlines()]
    rows = _rows(out.read_text())
    surrogates: set[str] = set()
    for record, row, source in zip(raw, rows, seen, strict=True):
        history = record["patient_history"]
        assert f"patient_history: {history}" in row["summary"]  # real values back in the displayed summary
        assert history not in source  # the model saw surrogates
        fake = next(line for line in source.splitlines() if line.startswith("patient_history: "))
        surrogates |= set(re.findall(r"[A-Z][a-z]{3,}", fake)) - set(re.findall(r"[A-Z][a-z]{3,}", history))
    # A shifted date's month or weekday is a common word that real text elsewhere may hold.
    surrogates -= set(calendar.month_name) | set(calendar.day_name)
    assert surrogates  # surrogate names were in the model input ...
    written = out.read_text() + result.out + result.err
    assert not [s for s in surrogates if re.search(rf"\b{s}\b", written)]  # ... and are nowhere in the output
    files = [p for p in Path(root).rglob("*") if p.is_file() and p.suffix in (".json", ".jsonl", ".md", ".txt")]
    stored = "".join(p.read_text(errors="ignore") for p in files)
    real = {w for r in raw for w in r["patient_name"].split()}
    assert not [w for w in real | surrogates if re.search(rf"\b{w}\b", stored)]  # no mapping in the workspace


def test_bad_records_are_skipped_with_skip_bad(medsum, ws, records: Path, tmp_path: Path) -> None:
    root, _ = ws
    bad = tmp_path / "mixed.jsonl"
    bad.write_text(records.read_text() + '[1, 2]\n')
    failed = medsum("summarize", "--workspace", root, "--model", "tt", str(bad), *FAST)
    assert failed.code == 1 and failed.out == ""
    assert failed.err.strip().splitlines()[-1].startswith("medsum: error:")
    result = medsum("summarize", "--workspace", root, "--model", "tt", str(bad), *FAST, "--skip-bad")
    assert result.code == 0 and len(_rows(result.out)) == 5 and "skipped:" in result.err


@pytest.mark.parametrize(("args", "message", "code"), [
    (("--model", "tt", "--run", "x"), "exactly one of --run", 2),
    ((), "exactly one of --run", 2),
    (("--model", "nope"), "no model named nope", 1),
    (("--run", "20990101-000000-tt-0000"), "no run '20990101-000000-tt-0000'", 1),
    (("--model", "tt", "--strategy", "mask"), "--strategy 'mask'", 2),
])
def test_bad_requests_fail_in_one_line(medsum, ws, records: Path, args: tuple[str, ...], message: str,
                                       code: int) -> None:
    root, _ = ws
    result = medsum("summarize", "--workspace", root, str(records), *args, *FAST)
    assert result.code == code, result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("medsum: error:") and message in lines[0], result.err


def test_an_unfinished_run_and_bad_input_fail_in_one_line(medsum, ws, tmp_path: Path) -> None:
    from core.train.runs import RunsTable

    root, _ = ws
    RunsTable(Path(root)).create("20990101-000000-tt-beef", "notes", "tt")
    good = tmp_path / "good.jsonl"
    write_corpus(generate_corpus(1, 3), good, None)
    unfinished = medsum("summarize", "--workspace", root, "--run", "20990101-000000-tt-beef", str(good))
    assert unfinished.code == 1 and unfinished.err.count("\n") == 1
    assert "run 20990101-000000-tt-beef has not finished" in unfinished.err
    broken = tmp_path / "broken.json"
    broken.write_text('[{"id": "a", "notes": "fine"}, {"id": ')
    bad = medsum("summarize", "--workspace", root, "--model", "tt", str(broken))
    assert bad.code == 1 and "broken.json" in bad.err
    assert [line for line in bad.err.splitlines() if line.startswith("medsum: error:")]
    missing = medsum("summarize", "--workspace", root, "--model", "tt", str(tmp_path / "absent.jsonl"))
    assert missing.code != 0 and missing.err.count("\n") == 1 and "absent.jsonl" in missing.err


def test_a_run_summarizes_from_the_input_fields_its_dataset_was_built_with(
        medsum, ws, records: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run trained on ``--input-fields diagnosis,medications`` gets only those fields at
    summarize time too, not the workspace default of every non-identifier field."""
    root, _ = ws
    opened, _ = init_workspace(resolve_workspace(root))
    import_dataset(opened, records, "two-fields", input_fields=["diagnosis", "medications"], strategy="redact")
    info = start_run(opened.root, TrainConfig(dataset="two-fields", model="tt", lora_r=4, max_steps=1, batch_size=2,
                                              max_source_len=32, max_target_len=8, device="cpu"))
    seen: list[str] = []

    def echo(self: Summarizer, texts: Sequence[str], settings: GenerationSettings | None = None) -> list[str]:
        seen.extend(texts)
        return ["summary"] * len(texts)

    monkeypatch.setattr(Summarizer, "summarize", echo)
    result = medsum("summarize", "--workspace", root, "--run", info.run_id, str(records), *FAST)
    assert result.code == 0, result.err
    assert seen and all({line.split(":")[0] for line in s.splitlines()} == {"diagnosis", "medications"} for s in seen)
    assert _rows(result.out)[0]["provenance"]["input_fields"] == ["diagnosis", "medications"]
    model = medsum("summarize", "--workspace", root, "--model", "tt", str(records), *FAST)
    assert model.code == 0 and _rows(model.out)[0]["provenance"]["input_fields"] is None
    assert "patient_history" in "".join(seen[len(records.read_text().splitlines()):])


def test_decoding_comes_from_the_config_and_options_override_it(medsum, ws, records: Path) -> None:
    root, _ = ws
    config = Path(root) / "config.toml"
    before = config.read_text()
    try:
        config.write_text(before + "\n[generation]\nnum_beams = 1\nmax_new_tokens = 5\nno_repeat_ngram_size = 0\n")
        result = medsum("summarize", "--workspace", root, "--model", "tt", str(records))
        assert result.code == 0, result.err
        settings = _rows(result.out)[0]["provenance"]["settings"]
        assert (settings["num_beams"], settings["max_new_tokens"], settings["no_repeat_ngram_size"]) == (1, 5, 0)
        result = medsum("summarize", "--workspace", root, "--model", "tt", str(records), "--no-repeat-ngram", "4")
        assert result.code == 0, result.err
        assert _rows(result.out)[0]["provenance"]["settings"]["no_repeat_ngram_size"] == 4
        config.write_text(before + "\n[generation]\nno_repeat_ngram_size = -1\n")
        bad = medsum("summarize", "--workspace", root, "--model", "tt", str(records))
        assert bad.code == 1 and "generation.no_repeat_ngram_size" in bad.err  # a bad config file
    finally:
        config.write_text(before)


def test_verbose_says_where_the_time_went_and_changes_no_summary(medsum, ws, records: Path) -> None:
    from medsum_tui.cli.summarize_cmd import PHASES

    root, _ = ws
    args = ("summarize", "--workspace", root, "--model", "tt", str(records), *FAST)
    plain = medsum(*args)
    verbose = medsum(*args, "-v")
    assert plain.code == verbose.code == 0, verbose.err
    assert verbose.out == plain.out and len(_rows(verbose.out)) == 5  # stdout carries the same JSON lines
    phases = re.findall(r"^medsum summarize: ([a-z -]+) (\d+\.\d\d) s$", verbose.err, flags=re.MULTILINE)
    assert [name for name, _ in phases] == [*PHASES, "total"]
    assert all(float(seconds) >= 0 for _, seconds in phases)
    assert "medsum summarize:" not in plain.err
    names = [json.loads(line)["patient_name"] for line in records.read_text().splitlines()]
    assert not any(name in verbose.err for name in names)  # names and seconds only
