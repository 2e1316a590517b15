"""``medsum deid`` and ``medsum deid-eval`` through the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from core.synth import generate_corpus, write_corpus
from tests.cli.conftest import run_subprocess


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, Path]:
    records, gold = tmp_path / "raw.jsonl", tmp_path / "gold.jsonl"
    write_corpus(generate_corpus(40, 123), records, gold)
    return records, gold


def test_deid_redact_writes_output_and_report_without_phi(medsum, corpus, tmp_path: Path) -> None:
    records, _ = corpus
    out, report = tmp_path / "out.jsonl", tmp_path / "report.json"
    result = medsum("deid", str(records), "--out", str(out), "--strategy", "redact", "--report", str(report))
    assert result.code == 0, result.err
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    raw = [json.loads(line) for line in records.read_text().splitlines()]
    assert len(rows) == 40 and [r["id"] for r in rows] == [r["id"] for r in raw]
    data = json.loads(report.read_text())
    assert data["records"] == 40 and data["phi_found"]["NAME"] > 0 and data["residual_total"] == 0
    names = {t for r in raw for t in r["patient_name"].split()}
    everything = out.read_text() + report.read_text() + result.out + result.err
    assert not [n for n in names if re.search(rf"\b{re.escape(n)}\b", everything, re.IGNORECASE)]


def test_deid_surrogate_uses_keyring_secret_consistently(medsum, corpus, tmp_path: Path, memory_keyring) -> None:
    records, _ = corpus
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert medsum("deid", str(records), "--out", str(a)).code == 0
    assert ("medsum", "deid-secret") in memory_keyring.data
    assert medsum("deid", str(records), "--out", str(b), "--workers", "2").code == 0
    assert a.read_bytes() == b.read_bytes()


def test_deid_without_keyring_is_one_line_with_fix(medsum, corpus, tmp_path: Path) -> None:
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    result = medsum("deid", str(corpus[0]), "--out", str(tmp_path / "o.jsonl"))
    assert result.code == 1
    assert result.err.count("\n") == 1 and "MEDSUM_KEYRING=cryptfile" in result.err
    assert not (tmp_path / "o.jsonl").exists()


def test_deid_bad_input_keeps_existing_output(medsum, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "note": "x"}\n{"id": "a", "note": "y"}\n')
    result = medsum("deid", str(bad), "--out", str(out), "--strategy", "redact")
    assert result.code == 1 and "duplicate id" in result.err
    assert out.read_text() == "previous\n"


def test_deid_eval_prints_table_and_json(medsum, corpus, tmp_path: Path) -> None:
    records, gold = corpus
    report = tmp_path / "scores.json"
    result = medsum("deid-eval", "--input", str(records), "--gold", str(gold), "--report", str(report))
    assert result.code == 0, result.err
    assert "OVERALL" in result.out and "patient-name tokens missed: 0" in result.out
    data = json.loads(report.read_text())
    assert data["token"]["overall"]["recall"] >= 0.99
    assert set(data["token"]["by_category"]) >= {"NAME", "DATE", "PHONE", "MRN"}


def test_deid_eval_bad_gold_line(medsum, corpus, tmp_path: Path) -> None:
    bad = tmp_path / "gold.jsonl"
    bad.write_text('{"record_id": "r-000001"}\n')
    result = medsum("deid-eval", "--input", str(corpus[0]), "--gold", str(bad))
    assert result.code == 1 and f"{bad}:1: a gold span needs" in result.err


@pytest.mark.slow
def test_deid_subprocess_with_encrypted_fallback(corpus, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    env = {"MEDSUM_KEYRING": "cryptfile", "MEDSUM_KEYRING_PASSPHRASE": "correct horse battery", "MEDSUM_HOME": str(ws)}
    assert run_subprocess("init", env=env).code == 0
    out = tmp_path / "o.jsonl"
    result = run_subprocess("deid", str(corpus[0]), "--out", str(out), env=env)
    assert result.code == 0, result.err
    assert (ws / "secrets" / "keyring.cfg").is_file()
    wrong = run_subprocess("deid", str(corpus[0]), "--out", str(out), env={**env, "MEDSUM_KEYRING_PASSPHRASE": "nope"})
    assert wrong.code == 1 and wrong.err.count("\n") == 1
