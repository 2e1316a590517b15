"""Benchmark: de-identification throughput on synthetic records, one process and two.

Prints one JSON line: records/s and MB/s (of input JSON) with ``--workers 1`` and
``--workers 2``, the speed-up, and a same-run baseline (a JSON parse and dump of the same
file) so the ratio ``deid_vs_json_roundtrip`` survives a noisy shared machine; the same one-process run
with the allow-list pass off gives ``allow_pass_speed_ratio`` (the speed kept with the pass on).

The synthetic records are far denser in PHI than real notes (about 23 identifiers a record),
so the line also gives ``real_text_mb_per_s``: the same run over real clinical dialogue
(MTS-Dialog, ``tests/data/mts-dialog``, repeated to 20 copies).

Run: ``.venv/bin/python bench/deid.py [--n 10000] [--seed 11] [--strategy surrogate] [--repeats 2]``

``--memory`` measures peak memory instead, as the input grows: ``medsum deid`` run as a
subprocess on ``--small-mb`` and ``--mb`` MB of JSON Lines (default 100 and 1000), with one
process and ``--workers 2``, against a 1 MB baseline (see ``bench/deid_memory.py``)::

    .venv/bin/python bench/deid.py --memory [--mb 1000] [--small-mb 100] [--strategy surrogate]

``--single`` runs one one-process de-identification of the records only, after a warm-up on
three others, for an instruction count a shared machine does not disturb: the count of
``--n 300 --single`` less that of ``--n 0 --single`` (loading and warm-up alone) is what the
300 records cost::

    valgrind --tool=callgrind --callgrind-out-file=cg.300 .venv/bin/python bench/deid.py --n 300 --single
    valgrind --tool=callgrind --callgrind-out-file=cg.0 .venv/bin/python bench/deid.py --n 0 --single
    grep summary cg.300 cg.0
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.config import MedsumConfig  # noqa: E402
from core.deid_run import deidentify_file  # noqa: E402
from core.synth import generate_corpus, write_corpus  # noqa: E402
from privacy.deid.engine import clear_caches  # noqa: E402

_SECRET = b"bench-secret-not-for-real-use-32"



def _single(args: argparse.Namespace, config: MedsumConfig) -> None:
    """One one-process run on ``args.n`` records (none with ``--n 0``), after a warm-up that
    loads the word lists and compiles what the first records need."""
    with tempfile.TemporaryDirectory() as tmp:
        warm, source = Path(tmp) / "warm.jsonl", Path(tmp) / "records.jsonl"
        write_corpus(generate_corpus(3, args.seed + 1), warm, None)
        deidentify_file(warm, Path(tmp) / "warm-out.jsonl", config, strategy=args.strategy, secret=_SECRET)
        seconds = 0.0
        if args.n:
            write_corpus(generate_corpus(args.n, args.seed), source, None)
            seconds = deidentify_file(source, Path(tmp) / "out.jsonl", config, strategy=args.strategy,
                                      secret=_SECRET).seconds
    print(json.dumps({"bench": "deid", "mode": "single", "n": args.n, "seconds": round(seconds, 3)}))


def main() -> None:
    """Measure and print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--strategy", choices=("surrogate", "redact"), default="surrogate")
    parser.add_argument("--repeats", type=int, default=2, help="best of this many runs per setting")
    parser.add_argument("--single", action="store_true", help="one one-process run only (for callgrind)")
    parser.add_argument("--memory", action="store_true", help="peak memory of `medsum deid` at two input sizes")
    parser.add_argument("--mb", type=float, default=1000.0, help="--memory: the large input, in MB")
    parser.add_argument("--small-mb", type=float, default=None, help="--memory: the small input (default: --mb / 10)")
    parser.add_argument("--distinct", type=int, default=2000, help="--memory: distinct synthetic records, repeated")
    parser.add_argument("--interval", type=float, default=0.1, help="--memory: seconds between /proc samples")
    args = parser.parse_args()
    config = MedsumConfig()
    if args.memory:
        from bench.deid_memory import memory_line

        print(json.dumps(memory_line(big_mb=args.mb, small_mb=args.small_mb or args.mb / 10, workers=[1, 2],
                                     strategy=args.strategy, seed=args.seed, distinct=args.distinct,
                                     interval=args.interval, root=ROOT)))
        return
    if args.single:
        _single(args, config)
        return
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "records.jsonl"
        write_corpus(generate_corpus(args.n, args.seed), source, None)
        size = source.stat().st_size

        start = time.perf_counter()
        rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()]
        (Path(tmp) / "copy.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        baseline_s = time.perf_counter() - start

        real = Path(tmp) / "real.jsonl"
        lines = (ROOT / "tests/data/mts-dialog/validation.jsonl").read_text(encoding="utf-8").splitlines()
        real.write_text("".join(
            json.dumps({**json.loads(line), "id": f"{copy}-{json.loads(line)['id']}"}) + "\n"
            for copy in range(20) for line in lines), encoding="utf-8")
        clear_caches()
        real_report = deidentify_file(real, Path(tmp) / "real-out.jsonl", config, strategy=args.strategy,
                                      secret=_SECRET)

        figures = {}
        for workers in (1, 2):
            runs = []
            for _ in range(args.repeats):
                clear_caches()  # every run starts cold, as a fresh `medsum deid` would
                runs.append(deidentify_file(source, Path(tmp) / f"out{workers}.jsonl", config,
                                            strategy=args.strategy, secret=_SECRET, workers=workers))
            figures[workers] = min(runs, key=lambda r: r.seconds)  # the least disturbed run
        without = []  # the same run with the allow-list pass off: what the pass costs
        off = config.model_copy(update={"deid": config.deid.model_copy(update={"allow_list_pass": False})})
        for _ in range(args.repeats):
            clear_caches()
            without.append(deidentify_file(source, Path(tmp) / "out-off.jsonl", off, strategy=args.strategy,
                                           secret=_SECRET, workers=1))
        no_pass = min(without, key=lambda r: r.seconds)
    one, two = figures[1], figures[2]
    print(json.dumps({
        "bench": "deid",
        "n": args.n,
        "strategy": args.strategy,
        "input_mb": round(size / 1e6, 3),
        "records_per_s_1": round(one.records / one.seconds, 1),
        "mb_per_s_1": round(size / 1e6 / one.seconds, 3),
        "records_per_s_2": round(two.records / two.seconds, 1),
        "mb_per_s_2": round(size / 1e6 / two.seconds, 3),
        "speedup_2_workers": round(one.seconds / two.seconds, 3),
        "json_roundtrip_mb_per_s": round(size / 1e6 / baseline_s, 3),
        "deid_vs_json_roundtrip": round(baseline_s / one.seconds, 4),
        "mb_per_s_1_without_allow_pass": round(size / 1e6 / no_pass.seconds, 3),
        "allow_pass_speed_ratio": round(no_pass.seconds / one.seconds, 3),
        "real_text_mb_per_s": round(real_report.input_bytes / 1e6 / real_report.seconds, 3),
        "real_text_records_per_s": round(real_report.records / real_report.seconds, 1),
        "phi_found": sum(one.found.values()),
        "residual": sum(one.residual.values()),
    }))


if __name__ == "__main__":
    main()
