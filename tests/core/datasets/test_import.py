"""Importing records as a de-identified, patient-split, fingerprinted Arrow dataset."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from core.datasets import DatasetError, get_dataset, import_dataset, list_datasets, load_splits
from core.errors import InputError
from core.records import SPLITS


def _all_text(path: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "ignore") for p in path.rglob("*") if p.is_file())


def test_import_splits_by_patient_and_registers(workspace, corpus_file) -> None:
    entry = import_dataset(workspace, corpus_file, "notes", strategy="redact")
    assert entry.path == workspace.root / "datasets" / "notes"
    assert entry.records == 60 and sum(entry.splits.values()) == 60 and entry.skipped == 0
    assert list(entry.splits) == list(SPLITS) and entry.splits["train"] > entry.splits["test"]
    assert re.fullmatch(r"[0-9a-f]{64}", entry.fingerprint)
    assert entry.strategy == "redact" and entry.phi_found > 0 and entry.residual == 0
    assert entry.input_fields is None and entry.target_field == "summary"
    assert get_dataset(workspace.root, "notes") == entry
    assert list_datasets(workspace.root) == [entry]

    table = load_splits(workspace.root, "notes")
    assert list(table) == list(SPLITS)
    patients = {}
    for split in SPLITS:
        assert table[split].column_names == ["id", "source", "target", "patient"]
        assert table[split].num_rows == entry.splits[split]
        ids = set(table[split]["patient"])
        assert len(ids) == entry.patients[split]
        patients[split] = ids
    assert not (patients["train"] & patients["validation"] or patients["train"] & patients["test"]
                or patients["validation"] & patients["test"])
    row = table["train"][0]
    assert row["target"] and "diagnosis:" in row["source"] and "summary:" not in row["source"]
    stored = json.loads((entry.path / "dataset.json").read_text())
    assert stored["fingerprint"] == entry.fingerprint and "path" not in stored
    assert str(corpus_file) not in _all_text(entry.path) and corpus_file.name not in _all_text(entry.path)


def test_no_structured_phi_in_stored_files(workspace, corpus_file, corpus_records) -> None:
    entry = import_dataset(workspace, corpus_file, "clean", strategy="redact")
    text = _all_text(entry.path)
    names = {t for r in corpus_records for t in r["patient_name"].split()}
    leaked = [n for n in names if re.search(rf"\b{re.escape(n)}\b", text, re.IGNORECASE)]
    assert not leaked
    for record in corpus_records:
        for field in ("mrn", "ssn", "phone", "email", "dob"):
            if isinstance(record.get(field), str):
                assert record[field] not in text, field


def test_fingerprint_is_deterministic_and_content_based(workspace, corpus_file, tmp_path) -> None:
    first = import_dataset(workspace, corpus_file, "a", strategy="redact")
    second = import_dataset(workspace, corpus_file, "b", strategy="redact")
    assert first.fingerprint == second.fingerprint and first.splits == second.splits
    lines = corpus_file.read_text().splitlines()
    record = json.loads(lines[0])
    record["summary"] += " Extra sentence."
    changed = tmp_path / "changed.jsonl"
    changed.write_text("\n".join([json.dumps(record), *lines[1:]]) + "\n")
    assert import_dataset(workspace, changed, "c", strategy="redact").fingerprint != first.fingerprint


def test_surrogate_import_is_deterministic_with_the_same_secret(workspace, corpus_file) -> None:
    first = import_dataset(workspace, corpus_file, "s1")
    second = import_dataset(workspace, corpus_file, "s2")
    assert first.strategy == "surrogate" and first.fingerprint == second.fingerprint


def test_tampering_is_detected(workspace, corpus_file) -> None:
    import datasets

    entry = import_dataset(workspace, corpus_file, "t", strategy="redact")
    table = load_splits(workspace.root, "t")
    rows = table["train"].to_dict()
    rows["target"][0] = rows["target"][0] + " tampered"
    changed = datasets.DatasetDict({
        "train": datasets.Dataset.from_dict(rows, features=table["train"].features),
        "validation": table["validation"], "test": table["test"],
    })
    replacement = workspace.root / "replacement"
    changed.save_to_disk(str(replacement), num_shards={s: 1 for s in SPLITS})
    del table, changed
    data = entry.path / "data" / "train" / "data-00000-of-00001.arrow"
    data.write_bytes((replacement / "train" / "data-00000-of-00001.arrow").read_bytes())
    with pytest.raises(DatasetError, match="'t'.*fingerprint"):
        load_splits(workspace.root, "t")
    data.write_bytes(b"garbage")
    with pytest.raises(DatasetError, match="'t'"):
        load_splits(workspace.root, "t")


def test_duplicate_name_is_refused_and_existing_kept(workspace, corpus_file, tmp_path) -> None:
    entry = import_dataset(workspace, corpus_file, "dup", strategy="redact")
    before = {p: p.read_bytes() for p in entry.path.rglob("*") if p.is_file()}
    other = tmp_path / "other.jsonl"
    other.write_text("\n".join(corpus_file.read_text().splitlines()[:20]) + "\n")
    with pytest.raises(DatasetError, match="already exists"):
        import_dataset(workspace, other, "dup", strategy="redact")
    assert {p: p.read_bytes() for p in entry.path.rglob("*") if p.is_file()} == before
    assert load_splits(workspace.root, "dup")["train"].num_rows == entry.splits["train"]
    assert [p.name for p in (workspace.root / "datasets").iterdir()] == ["dup"]


def test_bad_records_fail_unless_skipped(workspace, corpus_file, tmp_path) -> None:
    lines = corpus_file.read_text().splitlines()[:30]
    no_target = json.loads(lines[3])
    del no_target["summary"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([*lines[:3], json.dumps(no_target), "{not json", *lines[4:]]) + "\n")
    with pytest.raises(InputError) as caught:
        import_dataset(workspace, bad, "bad", strategy="redact")
    assert caught.value.exit_code == 1
    messages = [str(p) for p in caught.value.problems]
    assert any(no_target["id"] in m and "'summary'" in m and "missing" in m for m in messages)
    assert not (workspace.root / "datasets" / "bad").exists()
    entry = import_dataset(workspace, bad, "bad", strategy="redact", skip_bad=True)
    assert entry.records == 29 and entry.skipped == 2
    assert no_target["id"] not in {i for s in SPLITS for i in load_splits(workspace.root, "bad")[s]["id"]}


def test_failure_leaves_nothing_behind(workspace, corpus_file, monkeypatch) -> None:
    from core.datasets import build

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(build, "atomic_writer", broken)
    with pytest.raises(OSError):
        import_dataset(workspace, corpus_file, "broken", strategy="redact")
    assert list((workspace.root / "datasets").iterdir()) == []


def test_input_and_target_fields(workspace, corpus_file) -> None:
    entry = import_dataset(workspace, corpus_file, "fields", input_fields=["patient_history", "diagnosis"],
                           target_field="treatment_plan", strategy="redact")
    assert entry.input_fields == ["patient_history", "diagnosis"] and entry.target_field == "treatment_plan"
    row = load_splits(workspace.root, "fields")["train"][0]
    lines = row["source"].splitlines()
    assert lines[0].startswith("patient_history: ") and lines[-1].startswith("diagnosis: ")
    assert not any(line.startswith(("summary:", "medications:", "treatment_plan:")) for line in lines)
    assert row["target"] and not row["target"].startswith("The patient")


def test_bad_settings_are_refused(workspace, corpus_file) -> None:
    with pytest.raises(DatasetError, match="invalid dataset name") as caught:
        import_dataset(workspace, corpus_file, "../escape")
    assert caught.value.exit_code == 2
    with pytest.raises(DatasetError, match="strategy"):
        import_dataset(workspace, corpus_file, "x", strategy="blur")
    with pytest.raises(DatasetError, match="target summary"):
        import_dataset(workspace, corpus_file, "x", input_fields=["diagnosis", "summary"])
    with pytest.raises(DatasetError, match="no dataset named 'missing'"):
        get_dataset(workspace.root, "missing")
    assert list_datasets(workspace.root) == []


def test_empty_splits_keep_their_columns(workspace, corpus_file, tmp_path, tiny_tokenizer) -> None:
    from core.datasets import length_stats

    rows = [json.loads(line) for line in corpus_file.read_text().splitlines()[:3]]
    for row in rows:
        row["mrn"] = rows[0]["mrn"]  # one patient: every record goes to the same split
    one = tmp_path / "one.jsonl"
    one.write_text("".join(json.dumps(r) + "\n" for r in rows))
    entry = import_dataset(workspace, one, "one", strategy="redact")
    assert entry.splits == {"train": 3, "validation": 0, "test": 0}
    assert entry.patients == {"train": 1, "validation": 0, "test": 0}
    table = load_splits(workspace.root, "one")
    for split in ("validation", "test"):
        assert table[split].num_rows == 0
        assert table[split].features == table["train"].features
        assert table[split].column_names == ["id", "source", "target", "patient"]
    assert length_stats(workspace.root, "one", tiny_tokenizer)["test"]["source"]["max"] == 0.0
