"""After a rollback or deletion of the audit log and the privacy ledger (issue 20 item 4), the
next audited command refuses before it does any work, and ``medsum budget`` does not show a
spend read from a ledger that does not check out."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.audit import audit_path
from core.ledger import ledger_path
from core.synth import generate_corpus, write_corpus
from tests.ledgers import copy_trail, restore_trail


@pytest.fixture
def corpus_jsonl(tmp_path: Path) -> Path:
    """A small synthetic corpus (fake PHI) as JSON Lines."""
    path = tmp_path / "records.jsonl"
    write_corpus(generate_corpus(20, 3), path, None)
    return path


def test_a_rolled_back_workspace_refuses_the_next_import_before_the_work(medsum, tmp_path: Path,
                                                                        corpus_jsonl: Path) -> None:
    ws = tmp_path / "ws"
    assert medsum("init", "--workspace", str(ws)).code == 0
    assert medsum("data", "import", str(corpus_jsonl), "--name", "a", "--strategy", "redact",
                  "--workspace", str(ws)).code == 0
    copy_trail(ws, tmp_path / "backup")
    assert medsum("data", "import", str(corpus_jsonl), "--name", "b", "--strategy", "redact",
                  "--workspace", str(ws)).code == 0
    restore_trail(ws, tmp_path / "backup")

    refused = medsum("data", "import", str(corpus_jsonl), "--name", "c", "--strategy", "redact",
                     "--workspace", str(ws))
    assert refused.code == 1 and refused.err.count("\n") == 1
    assert "rolled back or deleted" in refused.err and "nothing was done" in refused.err
    assert not (ws / "datasets" / "c").exists()
    verify = medsum("audit", "verify", "--workspace", str(ws))
    assert verify.code == 1 and "anchors entry 2" in verify.err


def test_budget_refuses_to_show_a_spend_reset_by_deleting_the_files(medsum, tmp_path: Path,
                                                                   corpus_jsonl: Path) -> None:
    ws = tmp_path / "ws"
    assert medsum("init", "--workspace", str(ws)).code == 0
    assert medsum("data", "import", str(corpus_jsonl), "--name", "a", "--strategy", "redact",
                  "--workspace", str(ws)).code == 0
    assert medsum("budget", "--workspace", str(ws)).code == 0
    audit_path(ws).unlink()
    ledger_path(ws).unlink()
    shown = medsum("budget", "--workspace", str(ws))
    assert shown.code == 1 and shown.out == "" and shown.err.count("\n") == 1
    assert "do not check out" in shown.err and "is missing" in shown.err
