"""``medsum deid`` streams every input shape to the same output (issue 20, item 13), and bad
input still fails whole, naming every problem, before anything is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.synth import generate_corpus, write_corpus


@pytest.mark.slow
def test_an_array_a_directory_and_json_lines_give_the_same_output(medsum, tmp_path: Path) -> None:
    lines = tmp_path / "raw.jsonl"
    write_corpus(generate_corpus(30, 17), lines, None)
    rows = [json.loads(line) for line in lines.read_text().splitlines()]
    array = tmp_path / "raw.json"
    array.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    folder = tmp_path / "dir"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps(rows[:10]), encoding="utf-8")
    (folder / "b.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[10:]), encoding="utf-8")
    outputs = []
    for source, workers in ((lines, "1"), (array, "1"), (array, "2"), (folder, "2")):
        out = tmp_path / f"out-{source.name}-{workers}.jsonl"
        result = medsum("deid", str(source), "--out", str(out), "--strategy", "redact", "--workers", workers)
        assert result.code == 0, result.err
        outputs.append(out.read_bytes())
    assert len(outputs[0].splitlines()) == 30 and all(o == outputs[0] for o in outputs)


def test_bad_input_fails_whole_naming_each_problem(medsum, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    write_corpus(generate_corpus(20, 3), source, None)
    with source.open("a", encoding="utf-8") as handle:
        handle.write('{"id": "r-000004", "note": "again"}\n{"id": "late", "note": ' + "[" * 40 + "]" * 40 + "}\n")
    out = tmp_path / "out.jsonl"
    result = medsum("deid", str(source), "--out", str(out), "--strategy", "redact", "--workers", "2")
    assert result.code == 1
    assert result.err.splitlines() == [
        f"{source}:21: record 'r-000004': duplicate id, first used at {source}:4; this record was not loaded",
        f"{source}:22: record 'late': field 'note': nests deeper than 32 levels (records.max_depth)",
        "medsum: error: 2 problem(s) in the input; fix them or pass --skip-bad"]
    assert not out.exists() and [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
