"""``medsum deid`` in an initialized workspace records the file hashes in the audit log, never a path."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from core.audit import audit_path
from core.synth import generate_corpus, write_corpus


def test_deid_is_audited_with_hashes_not_paths(medsum, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert medsum("init", "--workspace", str(ws)).code == 0
    source = tmp_path / "Maria Lopez notes.jsonl"  # a file name can hold a patient's name
    write_corpus(generate_corpus(12, 5), source, None)
    out = tmp_path / "out.jsonl"
    result = medsum("deid", str(source), "--out", str(out), "--strategy", "redact", "--workspace", str(ws))
    assert result.code == 0, result.err
    text = audit_path(ws).read_text()
    entry = json.loads(text)
    assert entry["op"] == "deid"
    assert entry["fields"] == {
        "strategy": "redact", "records": 12, "skipped": 0, "input_files": 1,
        "input_sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
        "output_sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
        "phi_found": entry["fields"]["phi_found"], "residual": 0, "residual_records": [], "allow_list_pass": True,
    }
    assert entry["fields"]["phi_found"] > 0 and "Maria" not in text and "out.jsonl" not in text


def test_deid_without_a_workspace_writes_no_audit(medsum, tmp_path: Path) -> None:
    source = tmp_path / "raw.jsonl"
    write_corpus(generate_corpus(3, 5), source, None)
    result = medsum("deid", str(source), "--out", str(tmp_path / "o.jsonl"), "--strategy", "redact",
                    "--workspace", str(tmp_path / "none"))
    assert result.code == 0, result.err
    assert not (tmp_path / "none").exists()
