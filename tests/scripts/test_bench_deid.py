"""``bench/deid.py --single``: the one-run mode whose instruction count the speed figures use;
``--memory``: peak memory at two input sizes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_single_run_de_identifies_the_records_once() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "bench/deid.py"), "--n", "5", "--single"],
                          capture_output=True, text=True, check=True, timeout=300)
    line = json.loads(done.stdout.strip().splitlines()[-1])
    assert line["mode"] == "single" and line["n"] == 5 and line["seconds"] > 0


def test_memory_input_repeats_records_with_fresh_ids(tmp_path: Path) -> None:
    from bench.deid_memory import write_input

    path = tmp_path / "in.jsonl"
    count = write_input(path, 0.2, seed=3, distinct=20)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(rows) == count > 20 and path.stat().st_size >= 200_000
    assert len({r["id"] for r in rows}) == count and list(rows[0])[0] == "id"
    assert {k: v for k, v in rows[20].items() if k != "id"} == {k: v for k, v in rows[0].items() if k != "id"}


@pytest.mark.slow
def test_memory_of_a_run_with_workers_counts_every_process(tmp_path: Path) -> None:
    from bench.deid_memory import peak_memory, write_input

    source = tmp_path / "in.jsonl"
    write_input(source, 0.05, seed=3, distinct=20)
    env = {**os.environ, "MEDSUM_HOME": str(tmp_path / "ws")}
    figures = peak_memory(["deid", str(source), "--out", str(tmp_path / "out.jsonl"), "--strategy", "redact",
                           "--workers", "2"], env, ROOT, 0.02)
    assert figures["processes"] == 3
    assert 50 < figures["peak_rss_mb"] < figures["peak_tree_rss_mb"]
    assert 0 < figures["peak_tree_pss_mb"] <= figures["peak_tree_rss_mb"]
