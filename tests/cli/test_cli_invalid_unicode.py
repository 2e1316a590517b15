"""Records and FHIR values with a lone surrogate (invalid Unicode) through ``medsum deid`` and
``medsum data check``: one line per problem, no traceback, no value printed; ``--skip-bad``
processes the rest. And a run that fails part-way leaves the output path as it was."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.synth import generate_corpus, write_corpus
from tests.core.records.conftest import good_record, write_jsonl
from tests.core.records.test_invalid_unicode import _bundle

SECRET = "Zelda Quint"
LINE = "holds a lone surrogate code point (invalid Unicode)"


def _bad_input(tmp_path: Path) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_text(f'{{"id": "r1", "note": "abc \\ud800 def {SECRET}"}}\n{{"id": "r2", "note": "fine text"}}\n'
                    '{"id": "r3", "note": "more text"}\n', encoding="utf-8")
    return path


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def _no_secret(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text and SECRET not in text and "Zelda" not in text


def test_deid_rejects_a_lone_surrogate_in_one_line(medsum, tmp_path: Path) -> None:
    source, out = _bad_input(tmp_path), tmp_path / "out.jsonl"
    result = medsum("deid", str(source), "--out", str(out), "--strategy", "redact")
    assert result.code == 1
    assert result.err.splitlines() == [
        f"{source}:1: record 'r1': field 'note': {LINE}",
        "medsum: error: 1 problem(s) in the input; fix them or pass --skip-bad",
    ]
    assert not out.exists() and not _leftovers(tmp_path)
    _no_secret(result.out, result.err)


def test_deid_skip_bad_writes_the_other_records(medsum, tmp_path: Path) -> None:
    source, out, report = _bad_input(tmp_path), tmp_path / "out.jsonl", tmp_path / "report.json"
    result = medsum("deid", str(source), "--out", str(out), "--strategy", "redact", "--skip-bad", "--report", str(report))
    assert result.code == 0, result.err
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["r2", "r3"]
    assert f"medsum: warning: skipped: {source}:1: record 'r1': field 'note': {LINE}" in result.err
    assert json.loads(report.read_text())["records"] == 2
    _no_secret(result.out, result.err, report.read_text(), out.read_text())


def test_deid_with_workers_rejects_it_too(medsum, tmp_path: Path) -> None:
    source, out = _bad_input(tmp_path), tmp_path / "out.jsonl"
    result = medsum("deid", str(source), "--out", str(out), "--strategy", "redact", "--workers", "2", "--skip-bad")
    assert result.code == 0, result.err
    assert len(out.read_text().splitlines()) == 2


def test_data_check_rejects_a_lone_surrogate(medsum, tmp_path: Path) -> None:
    rows = [good_record(1), good_record(2, patient_history=f"{SECRET} \udc00"), good_record(3)]
    path = write_jsonl(tmp_path / "in.jsonl", rows)
    result = medsum("data", "check", str(path))
    assert result.code == 1
    assert f"  {path}:2: record 'r-0002': field 'patient_history': {LINE}" in result.out.splitlines()
    assert "Records: 3 read, 2 valid, 1 problem(s)" in result.out
    _no_secret(result.out, result.err)
    report = tmp_path / "problems.json"
    skipped = medsum("data", "check", str(path), "--skip-bad", "--report", str(report))
    assert skipped.code == 0, skipped.err
    assert json.loads(report.read_text())["problems"][0]["field"] == "patient_history"


# -- a run that fails part-way -----------------------------------------------------------

@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    records = tmp_path / "raw.jsonl"
    write_corpus(generate_corpus(12, 7), records, None)
    return records


def _fail_on_third(monkeypatch: pytest.MonkeyPatch, cls: Any) -> None:
    original = cls.deidentify
    calls = {"n": 0}

    def failing(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("detector crashed")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, "deidentify", failing)


@pytest.mark.parametrize("existing", [True, False])
@pytest.mark.parametrize("workers", ["1", "2"])
def test_failure_mid_run_leaves_the_output_untouched(medsum, corpus: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch, existing: bool, workers: str) -> None:
    from privacy.deid.engine import Deidentifier

    out = tmp_path / "out" / "deid.jsonl"
    out.parent.mkdir()
    if existing:
        out.write_text("previous\n")
    _fail_on_third(monkeypatch, Deidentifier)  # worker processes are forked: they fail too
    with pytest.raises(RuntimeError, match="detector crashed"):
        medsum("deid", str(corpus), "--out", str(out), "--strategy", "redact", "--workers", workers)
    assert sorted(p.name for p in out.parent.iterdir()) == (["deid.jsonl"] if existing else [])
    if existing:
        assert out.read_text() == "previous\n"


@pytest.mark.parametrize("existing", [True, False])
def test_fhir_failure_mid_run_leaves_the_output_untouched(medsum, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          existing: bool) -> None:
    from privacy.deid.fhir import FhirDeidentifier

    source = tmp_path / "in.json"
    source.write_text(json.dumps(_bundle()))
    out = tmp_path / "out" / "deid.json"
    out.parent.mkdir()
    if existing:
        out.write_text("previous\n")
    _fail_on_third(monkeypatch, FhirDeidentifier)
    with pytest.raises(RuntimeError, match="detector crashed"):
        medsum("deid", str(source), "--out", str(out), "--strategy", "redact", "--workspace", str(tmp_path / "ws"))
    assert sorted(p.name for p in out.parent.iterdir()) == (["deid.json"] if existing else [])
    if existing:
        assert out.read_text() == "previous\n"


def test_output_that_utf8_cannot_hold_fails_in_one_line(medsum, corpus: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The last guard: should de-identification itself make a lone surrogate, nothing is written."""
    from privacy.deid.engine import Deidentifier

    original = Deidentifier.deidentify

    def broken(self: Any, *args: Any, **kwargs: Any) -> Any:
        outcome = original(self, *args, **kwargs)
        outcome.record["note"] = "\ud800"
        return outcome

    monkeypatch.setattr(Deidentifier, "deidentify", broken)
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n")
    result = medsum("deid", str(corpus), "--out", str(out), "--strategy", "redact")
    assert result.code == 1
    assert result.err.splitlines() == ["medsum: error: a record of the output would hold invalid Unicode "
                                       "(a lone surrogate); nothing was written"]
    assert out.read_text() == "previous\n" and not _leftovers(tmp_path)


# -- FHIR ----------------------------------------------------------------------------------

def test_fhir_deid_rejects_a_lone_surrogate_naming_the_entry(medsum, tmp_path: Path) -> None:
    bundle = _bundle()
    bundle["entry"][2]["resource"]["note"][0]["text"] = f"{SECRET} \ud800"
    source, out = tmp_path / "in.json", tmp_path / "out.json"
    source.write_text(json.dumps(bundle))
    out.write_text("previous\n")
    args = ("deid", str(source), "--out", str(out), "--strategy", "redact", "--workspace", str(tmp_path / "ws"))
    result = medsum(*args)
    assert result.code == 1
    expected = f"{source}:1: entry 2 (Condition/c1): field 'note[0].text': {LINE}"
    assert result.err.splitlines() == [expected, "medsum: error: 1 problem(s) in the input; fix them or pass --skip-bad"]
    assert out.read_text() == "previous\n" and not _leftovers(tmp_path)
    _no_secret(result.out, result.err)

    skipped = medsum(*args, "--skip-bad")
    assert skipped.code == 0, skipped.err
    assert f"medsum: warning: skipped: {expected}" in skipped.err
    written = json.loads(out.read_text())
    assert [e["resource"]["resourceType"] for e in written["entry"]] == ["Patient", "Encounter"]
    _no_secret(skipped.out, skipped.err, out.read_text())


def test_fhir_deid_bad_entry_url_and_bundle_field(medsum, tmp_path: Path) -> None:
    bundle = _bundle()
    bundle["entry"][1]["fullUrl"] = "urn:uuid:\udc00"
    source, out = tmp_path / "in.json", tmp_path / "out.json"
    source.write_text(json.dumps(bundle))
    args = ("deid", str(source), "--out", str(out), "--strategy", "redact", "--workspace", str(tmp_path / "ws"))
    result = medsum(*args, "--skip-bad")
    assert result.code == 0, result.err
    assert f"skipped: {source}:1: entry 1 (Encounter/e1): field 'fullUrl': {LINE}" in result.err
    assert [e["resource"]["resourceType"] for e in json.loads(out.read_text())["entry"]] == ["Patient", "Condition"]

    bundle = _bundle()
    bundle["identifier"] = {"value": f"{SECRET}\ud800"}
    source.write_text(json.dumps(bundle))
    result = medsum(*args)
    assert result.code == 1
    assert result.err.splitlines()[0] == f"{source}:1: Bundle/b1: field 'identifier.value': {LINE}"
    _no_secret(result.out, result.err)


def test_fhir_data_check_names_the_entry(medsum, tmp_path: Path) -> None:
    bundle = _bundle()
    bundle["entry"][0]["resource"]["name"][0]["family"] = "Quint\ud800"
    source = tmp_path / "in.json"
    source.write_text(json.dumps(bundle))
    result = medsum("data", "check", str(source))
    assert result.code == 1
    assert f"  {source}:1: entry 0 (Patient/p1): field 'name[0].family': {LINE}" in result.out.splitlines()
    _no_secret(result.out, result.err)
