"""write_corpus output: byte-identical per seed, different across seeds, JSON Lines, atomic."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from faker import Faker

from core.synth import GoldSpan, SyntheticCorpus, generate_corpus, write_corpus


def _write(tmp_path: Path, name: str, n: int, seed: int) -> tuple[bytes, bytes]:
    out, gold = tmp_path / f"{name}.jsonl", tmp_path / f"{name}.gold.jsonl"
    write_corpus(generate_corpus(n, seed), out, gold)
    return out.read_bytes(), gold.read_bytes()


def test_same_seed_gives_identical_files_whatever_the_global_state(tmp_path: Path) -> None:
    random.seed(1)
    Faker.seed(1)
    first = _write(tmp_path, "a", 120, 42)
    random.seed(2)
    Faker.seed(2)
    random.random()
    second = _write(tmp_path, "b", 120, 42)
    assert first == second


def test_different_seed_gives_a_different_corpus(tmp_path: Path) -> None:
    a, _ = _write(tmp_path, "a", 60, 1)
    b, _ = _write(tmp_path, "b", 60, 2)
    assert a != b
    names_a = {json.loads(line)["patient_name"] for line in a.splitlines()}
    names_b = {json.loads(line)["patient_name"] for line in b.splitlines()}
    assert names_a != names_b


def test_files_are_json_lines(tmp_path: Path) -> None:
    corpus = generate_corpus(25, 9)
    records, gold = _write(tmp_path, "c", 25, 9)
    assert records.endswith(b"\n") and gold.endswith(b"\n")
    rows = [json.loads(line) for line in records.decode("utf-8").splitlines()]
    assert rows == corpus.records
    spans = [GoldSpan(**json.loads(line)) for line in gold.decode("utf-8").splitlines()]
    assert spans == corpus.gold


def test_utf8_without_ascii_escapes_and_no_gold_file(tmp_path: Path) -> None:
    corpus = SyntheticCorpus([{"id": "r-000001", "patient_name": "José Núñez"}],
                             [GoldSpan("r-000001", "patient_name", 0, 10, "NAME", "José Núñez")])
    out = tmp_path / "sub" / "records.jsonl"
    write_corpus(corpus, out, None)
    assert out.read_text(encoding="utf-8") == '{"id": "r-000001", "patient_name": "José Núñez"}\n'
    assert sorted(p.name for p in out.parent.iterdir()) == ["records.jsonl"]


def test_interrupted_write_keeps_the_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    out = tmp_path / "records.jsonl"
    out.write_text("old\n", encoding="utf-8")
    broken = SyntheticCorpus([{"id": "r-000001"}, {"id": object()}], [])
    with pytest.raises(TypeError):
        write_corpus(broken, out, None)
    assert out.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["records.jsonl"]
