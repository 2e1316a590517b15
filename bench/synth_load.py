"""Benchmark: synthetic corpus generation and record loading throughput, in records/s.

Prints one JSON line. Each figure has a same-run baseline so the ratios survive a noisy,
shared machine:

- ``load_vs_json_parse``: loading (read, parse with duplicate-key checks, pydantic
  validation, patient keys, duplicate ids) plus the patient split, against a bare
  ``json.loads`` of the same lines;
- ``synth_vs_json_dump``: generating records with gold spans, against ``json.dumps`` of the
  same records.

Run: ``.venv/bin/python bench/synth_load.py [--n 2000] [--seed 1] [--repeats 3]``
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.config import MedsumConfig  # noqa: E402
from core.records import load_records, split_by_patient  # noqa: E402
from core.synth import generate_corpus, write_corpus  # noqa: E402


def best_seconds(fn: Callable[[], object], repeats: int) -> float:
    """The fastest of ``repeats`` timed calls (the least disturbed by other load)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    """Measure and print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    config = MedsumConfig()
    corpus = generate_corpus(args.n, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        records_file = Path(tmp) / "records.jsonl"
        write_corpus(corpus, records_file, Path(tmp) / "gold.jsonl")
        lines = records_file.read_text(encoding="utf-8").splitlines()

        synth_s = best_seconds(lambda: generate_corpus(args.n, args.seed), args.repeats)
        dump_s = best_seconds(lambda: [json.dumps(r, ensure_ascii=False) for r in corpus.records], args.repeats)

        def load() -> None:
            result = load_records(records_file, config)
            assert len(result.records) == args.n and not result.problems
            split_by_patient(result.records, config.split)

        load_s = best_seconds(load, args.repeats)
        parse_s = best_seconds(lambda: [json.loads(line) for line in lines], args.repeats)

    n = args.n
    print(json.dumps({
        "bench": "synth_load",
        "n": n,
        "gold_spans": len(corpus.gold),
        "synth_records_per_s": round(n / synth_s, 1),
        "json_dump_records_per_s": round(n / dump_s, 1),
        "synth_vs_json_dump": round(dump_s / synth_s, 4),
        "load_records_per_s": round(n / load_s, 1),
        "json_parse_records_per_s": round(n / parse_s, 1),
        "load_vs_json_parse": round(parse_s / load_s, 4),
    }))


if __name__ == "__main__":
    main()
