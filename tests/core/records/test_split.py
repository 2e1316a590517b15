"""The 80/10/10 split: by patient, deterministic, independent of file order, close to target."""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path

from core.config import MedsumConfig, SplitConfig
from core.records import split_by_patient, split_sizes
from tests.core.records.conftest import good_record, write_jsonl


def _rows(n_patients: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    rows, i = [], 0
    for p in range(n_patients):
        for _ in range(rng.randint(1, 5)):
            i += 1
            rows.append(good_record(i, patient=f"MRN{p:05d}"))
    return rows


def test_patients_never_straddle_splits(tmp_path: Path, load) -> None:
    result = load(write_jsonl(tmp_path / "in.jsonl", _rows(300)))
    splits = split_by_patient(result.records, MedsumConfig().split)
    where: dict[str, set[str]] = defaultdict(set)
    for name, records in splits.items():
        for record in records:
            where[record.patient_key].add(name)
    assert all(len(names) == 1 for names in where.values())
    assert sum(len(v) for v in splits.values()) == len(result.records)


def test_proportions_are_close_to_80_10_10(tmp_path: Path, load) -> None:
    result = load(write_jsonl(tmp_path / "in.jsonl", _rows(300)))
    sizes = split_sizes(split_by_patient(result.records, MedsumConfig().split))
    total = len(result.records)
    for name, share in (("train", 0.8), ("validation", 0.1), ("test", 0.1)):
        assert abs(sizes[name].records / total - share) < 0.02, (name, sizes[name])


def test_deterministic_and_independent_of_record_order(tmp_path: Path, load) -> None:
    rows = _rows(120)
    a = load(write_jsonl(tmp_path / "a.jsonl", rows))
    b = load(write_jsonl(tmp_path / "b.jsonl", list(reversed(rows))))
    split_a = {n: {r.record_id for r in rs} for n, rs in split_by_patient(a.records, SplitConfig()).items()}
    split_b = {n: {r.record_id for r in rs} for n, rs in split_by_patient(b.records, SplitConfig()).items()}
    assert split_a == split_b


def test_salt_changes_assignment(tmp_path: Path, load) -> None:
    result = load(write_jsonl(tmp_path / "in.jsonl", _rows(120)))
    a = split_by_patient(result.records, SplitConfig())
    b = split_by_patient(result.records, SplitConfig(salt="another"))
    assert {r.record_id for r in a["test"]} != {r.record_id for r in b["test"]}


def test_patient_key_falls_back_through_configured_groups(tmp_path: Path, load) -> None:
    rows = [
        {"id": "a", "patient_name": "Ann Lee", "dob": "1950-01-01", "note": "x", "summary": "s"},
        {"id": "b", "patient_name": "ANN  LEE", "dob": "1950-01-01", "note": "y", "summary": "s"},
        {"id": "c", "note": "z", "summary": "s"},
    ]
    result = load(write_jsonl(tmp_path / "in.jsonl", rows))
    a, b, c = result.records
    assert a.patient_key == b.patient_key and a.patient_from == "patient_name+dob"
    assert c.patient_from == "id"
    assert result.patient_count == 2 and result.records_without_patient == 1


def test_patient_key_is_not_the_identifier(tmp_path: Path, load) -> None:
    result = load(write_jsonl(tmp_path / "in.jsonl", [good_record(1, patient="4453321")]))
    assert "4453321" not in result.records[0].patient_key
