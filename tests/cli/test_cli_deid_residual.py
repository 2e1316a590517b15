"""``medsum deid``'s residual scan: honest counts, the records at risk by id, and the policy's switch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    path = tmp_path / "notes.jsonl"
    rows = [{"id": "r-1", "note": "pt followed at sjh by dr okafor. dtr marisol called, husband teodor aware. "
                                  "zuleika brandvold visited."},
            {"id": "r-2", "note": "stable overnight, tolerating diet, ambulating with pt."}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_recall_first_run_leaves_no_unknown_word(medsum, notes: Path, tmp_path: Path) -> None:
    out, report = tmp_path / "out.jsonl", tmp_path / "report.json"
    result = medsum("deid", str(notes), "--out", str(out), "--strategy", "redact", "--report", str(report))
    assert result.code == 0, result.err
    text = out.read_text()
    for word in ("sjh", "okafor", "marisol", "teodor", "zuleika", "brandvold"):
        assert word not in text
    data = json.loads(report.read_text())
    assert data["residual_total"] == 0 and data["residual_records"] == [] and data["allow_list_pass"] is True
    assert "neither allow-listed nor replaced" in result.out


def test_with_the_pass_off_the_residual_names_the_records_not_the_words(medsum, notes: Path, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[deid]\nallow_list_pass = false\n", encoding="utf-8")
    monkeypatch.setenv("MEDSUM_POLICY_FILE", str(policy))
    out, report = tmp_path / "out.jsonl", tmp_path / "report.json"
    result = medsum("deid", str(notes), "--out", str(out), "--strategy", "redact", "--report", str(report))
    assert result.code == 0, result.err
    data = json.loads(report.read_text())
    assert data["allow_list_pass"] is False
    # the detectors still take the names after "dr", "dtr" and "husband"; the words no cue gives away stay
    assert data["residual_records"] == ["r-1"] and data["residual_total"] >= 3  # sjh, zuleika, brandvold
    assert "recall is no longer what was measured" in result.out and "r-1" in result.out
    printed = result.out + result.err + report.read_text()
    assert "zuleika" not in printed and "sjh" not in printed  # ids and counts, never the words


def test_site_policy_lists_apply(medsum, notes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deny = tmp_path / "deny.txt"
    deny.write_text("tolerating\tNAME\n", encoding="utf-8")
    policy = tmp_path / "policy.toml"
    policy.write_text(f'[deid]\ndeny_words_file = "{deny}"\nallow_words = ["sjh"]\n', encoding="utf-8")
    monkeypatch.setenv("MEDSUM_POLICY_FILE", str(policy))
    out = tmp_path / "out.jsonl"
    assert medsum("deid", str(notes), "--out", str(out), "--strategy", "redact").code == 0
    text = out.read_text()
    assert "sjh" in text and "tolerating" not in text and "[NAME] diet" in text


def test_a_missing_site_list_is_a_one_line_config_error(medsum, notes: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(f'[deid]\nallow_words_file = "{tmp_path / "nope.txt"}"\n', encoding="utf-8")
    monkeypatch.setenv("MEDSUM_POLICY_FILE", str(policy))
    out = tmp_path / "out.jsonl"
    result = medsum("deid", str(notes), "--out", str(out), "--strategy", "redact")
    assert result.code == 1 and "nope.txt" in result.err and "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1 and not out.exists()
