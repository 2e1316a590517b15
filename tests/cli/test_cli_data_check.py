"""``medsum data check``: counts, split sizes, every problem, --skip-bad, --report, no writes."""

from __future__ import annotations

import json
from pathlib import Path

from tests.core.records.conftest import good_record, write_jsonl


def _input(tmp_path: Path) -> Path:
    rows = [good_record(i, patient=f"P{i % 7}") for i in range(1, 41)]
    path = write_jsonl(tmp_path / "in.jsonl", rows)
    with path.open("a") as fh:
        fh.write('{"id": "r-bad", "summary": 3, "note": "x"}\n{"id": "r-0001", "note": "dup", "summary": "s"}\n')
    return path


def test_clean_input_passes_with_counts(medsum, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [good_record(i, patient=f"P{i % 10}") for i in range(1, 51)])
    result = medsum("data", "check", str(path))
    assert result.code == 0, result.err
    assert "Records: 50 read, 50 valid, 0 problem(s)" in result.out
    assert "Patients: 10" in result.out
    assert "Split by patient: train 40 records / 8 patients, validation 5 records / 1 patients, test 5 records / 1 patients" in result.out


def test_problems_fail_the_check_and_are_all_listed(medsum, tmp_path: Path) -> None:
    path = _input(tmp_path)
    result = medsum("data", "check", str(path))
    assert result.code == 1
    assert f"{path}:41: record 'r-bad': field 'summary': must be a string, found a number" in result.out
    assert f"{path}:42: record 'r-0001': duplicate id" in result.out
    assert "pass --skip-bad" in result.err


def test_skip_bad_succeeds_and_writes_report(medsum, tmp_path: Path) -> None:
    path = _input(tmp_path)
    report = tmp_path / "problems.json"
    result = medsum("data", "check", str(path), "--skip-bad", "--report", str(report))
    assert result.code == 0
    assert "Records: 42 read, 40 valid, 2 problem(s)" in result.out
    data = json.loads(report.read_text())
    assert data["problem_count"] == 2 and data["records_ok"] == 40
    assert {p["line"] for p in data["problems"]} == {41, 42}


def test_skip_bad_with_nothing_valid_fails(medsum, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": 1}\n')
    assert medsum("data", "check", str(path), "--skip-bad").code == 1


def test_check_writes_nothing_to_the_workspace(medsum, tmp_path: Path, workspace_dir: Path) -> None:
    medsum("init", "--workspace", str(workspace_dir))
    before = sorted(p.relative_to(workspace_dir) for p in workspace_dir.rglob("*"))
    medsum("data", "check", str(_input(tmp_path)), "--skip-bad", "--workspace", str(workspace_dir))
    assert sorted(p.relative_to(workspace_dir) for p in workspace_dir.rglob("*")) == before


def test_check_uses_the_workspace_config(medsum, tmp_path: Path, workspace_dir: Path) -> None:
    medsum("init", "--workspace", str(workspace_dir))
    (workspace_dir / "config.toml").write_text('[records]\ntarget_field = "note"\n')
    path = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "note": "a note", "history": "text"}])
    assert medsum("data", "check", str(path), "--workspace", str(workspace_dir)).code == 0
    assert medsum("data", "check", str(path)).code == 1
