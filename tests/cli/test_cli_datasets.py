"""``medsum data import | list | show`` through the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from core.synth import generate_corpus, write_corpus
from tests.core.datasets.conftest import build_tiny_tokenizer


@pytest.fixture
def ws(medsum, tmp_path: Path) -> str:
    path = str(tmp_path / "ws")
    assert medsum("init", "--workspace", path).code == 0
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, list[dict]]:
    path = tmp_path / "in" / "raw.jsonl"
    result = generate_corpus(60, 5)
    write_corpus(result, path, None)
    return path, result.records


def test_import_list_show(medsum, ws, corpus) -> None:
    path, records = corpus
    result = medsum("data", "import", str(path), "--name", "notes", "--strategy", "redact", "--workspace", ws)
    assert result.code == 0, result.err
    assert "Imported dataset 'notes': 60 records (redact)" in result.out
    assert "Split by patient: train " in result.out and "Fingerprint: sha256:" in result.out
    fingerprint = re.search(r"sha256:([0-9a-f]{64})", result.out).group(1)

    listed = medsum("data", "list", "--workspace", ws)
    assert listed.code == 0, listed.err
    header, row = listed.out.splitlines()
    assert header.split() == ["name", "records", "train/val/test", "fingerprint", "created"]
    cells = row.split()
    assert cells[:2] == ["notes", "60"] and cells[3] == fingerprint[:12]
    assert sum(int(n) for n in cells[2].split("/")) == 60

    shown = medsum("data", "show", "notes", "--workspace", ws)
    assert shown.code == 0, shown.err
    assert "Records: 60 (0 bad record(s) skipped at import)" in shown.out
    assert re.search(r"train\s+\d+ records\s+\d+ patients", shown.out)
    assert "Target field: summary" in shown.out and "De-identification: redact" in shown.out
    names = {t for r in records for t in r["patient_name"].split()}
    everything = result.out + result.err + listed.out + shown.out + shown.err
    assert not [n for n in names if re.search(rf"\b{re.escape(n)}\b", everything, re.IGNORECASE)]


def test_show_with_model_prints_token_lengths(medsum, ws, corpus, monkeypatch) -> None:
    import core.models

    seen = []

    def fake_load_tokenizer(root: Path, name: str):
        seen.append(name)
        return build_tiny_tokenizer()

    monkeypatch.setattr(core.models, "load_tokenizer", fake_load_tokenizer, raising=False)
    assert medsum("data", "import", str(corpus[0]), "--name", "d", "--strategy", "redact", "--workspace", ws).code == 0
    shown = medsum("data", "show", "d", "--model", "tiny", "--workspace", ws)
    assert shown.code == 0, shown.err
    assert seen == ["tiny"]
    assert "Length in tokens (tiny): min / mean / median / p95 / max" in shown.out
    assert re.search(r"train\s+source\s+\d+ / [\d.]+ / [\d.]+ / [\d.]+ / \d+", shown.out)
    assert re.search(r"test\s+target\s+", shown.out)


def test_fields_options(medsum, ws, corpus) -> None:
    result = medsum("data", "import", str(corpus[0]), "--name", "f", "--strategy", "redact",
                    "--input-fields", "patient_history,diagnosis", "--input-fields", "medications",
                    "--target-field", "treatment_plan", "--workspace", ws)
    assert result.code == 0, result.err
    shown = medsum("data", "show", "f", "--workspace", ws).out
    assert "Input fields: patient_history, diagnosis, medications" in shown
    assert "Target field: treatment_plan" in shown


def test_bad_records_exit_3_and_skip_bad(medsum, ws, corpus, tmp_path: Path) -> None:
    lines = corpus[0].read_text().splitlines()[:20]
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([*lines, '{"id": "x-1", "diagnosis": "CAD"}']) + "\n")
    result = medsum("data", "import", str(bad), "--name", "b", "--strategy", "redact", "--workspace", ws)
    assert result.code == 1
    assert "record 'x-1'" in result.err and "field 'summary'" in result.err
    assert result.err.splitlines()[-1].startswith("medsum: error: ")
    assert "No datasets" in medsum("data", "list", "--workspace", ws).out
    ok = medsum("data", "import", str(bad), "--name", "b", "--strategy", "redact", "--skip-bad", "--workspace", ws)
    assert ok.code == 0, ok.err
    assert "20 records" in ok.out and "skipped 1 bad record(s)" in ok.err


def test_duplicate_and_unknown_names_are_one_line_errors(medsum, ws, corpus) -> None:
    args = ("data", "import", str(corpus[0]), "--name", "dup", "--strategy", "redact", "--workspace", ws)
    assert medsum(*args).code == 0
    again = medsum(*args)
    assert again.code == 1 and again.err.count("\n") == 1 and "already exists" in again.err
    missing = medsum("data", "show", "nope", "--workspace", ws)
    assert missing.code == 1 and missing.err.count("\n") == 1 and "no dataset named 'nope'" in missing.err
    bad_name = medsum("data", "import", str(corpus[0]), "--name", "a/b", "--workspace", ws)
    assert bad_name.code == 2 and bad_name.err.count("\n") == 1


def test_needs_an_initialized_workspace(medsum, corpus, tmp_path: Path) -> None:
    result = medsum("data", "import", str(corpus[0]), "--name", "x", "--workspace", str(tmp_path / "none"))
    assert result.code == 1 and "run medsum init" in result.err
    assert not (tmp_path / "none").exists()
    listed = medsum("data", "list", "--workspace", str(tmp_path / "none"))
    assert listed.code == 1 and "run medsum init" in listed.err


def test_surrogate_import_by_default(medsum, ws, corpus, memory_keyring) -> None:
    result = medsum("data", "import", str(corpus[0]), "--name", "s", "--workspace", ws)
    assert result.code == 0, result.err
    assert "(surrogate)" in result.out and ("medsum", "deid-secret") in memory_keyring.data
    stored = json.loads((Path(ws) / "datasets" / "s" / "dataset.json").read_text())
    assert stored["strategy"] == "surrogate" and stored["records"] == 60
