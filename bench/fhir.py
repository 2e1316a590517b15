"""Benchmark: FHIR R4 input, on the twelve Synthea sample bundles (``tests/data/fhir-synthea-r4``,
5.3 MB), repeated ``--copies`` times as a directory of bundles.

Prints one JSON line: bundles/s and MB/s (of input JSON) for

- ``import``: reading the bundles, resolving references and building encounter-level records
  with their model input (``load_records``, what ``data import``, ``summarize`` and the TUI
  do before de-identification);
- ``deid_records``: de-identifying those records on one process (surrogates), what
  ``data import`` and ``summarize`` do next;
- ``deid_fhir``: ``medsum deid`` on the bundles, FHIR in and FHIR out (when available);

and a same-run baseline, a plain ``json.loads`` of every bundle, with each figure's ratio to it.

Run: ``.venv/bin/python bench/fhir.py [--copies 4] [--level encounter|patient]``
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.config import MedsumConfig
from core.deid_run import deidentify_records
from core.records import load_records
from privacy.deid.engine import clear_caches

SAMPLES = ROOT / "tests" / "data" / "fhir-synthea-r4"
_SECRET = b"bench-secret-not-for-real-use-32"
_UUID_HEAD = re.compile(r"\b[0-9a-f]{8}-(?=[0-9a-f]{4}-[0-9a-f]{4}-)")


def _copies(target: Path, copies: int) -> list[Path]:
    """The sample bundles ``copies`` times over, as files of one directory; each copy's UUIDs
    (resource ids, fullUrls, references) get their own first block, so the copies are
    different patients."""
    files = []
    for copy in range(copies):
        for bundle in sorted(SAMPLES.glob("*.json")):
            files.append(target / f"{copy}-{bundle.name}")
            text = bundle.read_text(encoding="utf-8")
            files[-1].write_text(_UUID_HEAD.sub(f"{copy:08x}-", text) if copy else text, encoding="utf-8")
    return files


def _deid_fhir(source: Path, out: Path, config: MedsumConfig) -> float | None:
    """Seconds for ``medsum deid`` of the FHIR directory, or None where FHIR output is not built."""
    try:
        from core.deid_run import deidentify_file
    except ImportError:
        return None
    clear_caches()
    start = time.perf_counter()
    deidentify_file(source, out, config, strategy="surrogate", secret=_SECRET)
    return time.perf_counter() - start


def main() -> None:
    """Measure and print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--level", choices=("encounter", "patient"), default="encounter")
    args = parser.parse_args()
    config = MedsumConfig()
    config = config.model_copy(update={"records": config.records.model_copy(update={"fhir_level": args.level})})
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "bundles"
        source.mkdir()
        files = _copies(source, args.copies)
        size = sum(f.stat().st_size for f in files)

        start = time.perf_counter()
        for path in files:
            json.loads(path.read_bytes())
        baseline = time.perf_counter() - start

        start = time.perf_counter()
        loaded = load_records(source, config, require_target=False)
        import_s = time.perf_counter() - start
        assert not loaded.problems, loaded.problems[:3]

        clear_caches()
        start = time.perf_counter()
        results = list(deidentify_records(loaded.records, config, strategy="surrogate", secret=_SECRET))
        deid_s = time.perf_counter() - start
        fhir_s = _deid_fhir(source, Path(tmp) / "out.ndjson", config)

    def figures(name: str, seconds: float) -> dict[str, float]:
        return {f"{name}_bundles_per_s": round(len(files) / seconds, 2), f"{name}_mb_per_s": round(size / 1e6 / seconds, 3),
                f"{name}_vs_json_parse": round(baseline / seconds, 4)}

    line = {"bench": "fhir", "bundles": len(files), "input_mb": round(size / 1e6, 3), "level": args.level,
            "records": len(loaded.records), "json_parse_mb_per_s": round(size / 1e6 / baseline, 2),
            **figures("import", import_s), **figures("deid_records", deid_s),
            "phi_found_in_records": sum(len(r.findings) for r in results),
            "residual_in_records": sum(len(r.residual) for r in results)}
    if fhir_s is not None:
        line.update(figures("deid_fhir", fhir_s))
    print(json.dumps(line))


if __name__ == "__main__":
    main()
