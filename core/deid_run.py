"""Run de-identification over an input file: load, de-identify (optionally in worker
processes), write the output atomically, and count what was found, without any PHI value.
"""

from __future__ import annotations

import gc
import json
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.atomic import atomic_writer
from core.config import MedsumConfig
from core.records import LoadResult, Record, load_records
from privacy.deid.engine import Deidentifier, Finding
from privacy.deid.settings import DeidSettings, Strategy

__all__ = ["DeidReport", "RecordResult", "deidentify_records", "deidentify_file", "load_for_deid", "write_deidentified"]

_CHUNK = 64


@dataclass(frozen=True)
class RecordResult:
    """One record's de-identified form and where its PHI was (paths and offsets only)."""

    record_id: str
    record: dict[str, Any]
    findings: list[Finding]
    residual: list[Finding]


@dataclass
class DeidReport:
    """What a de-identification run did: counts by category and the residual scan."""

    strategy: str
    records: int = 0
    input_bytes: int = 0
    seconds: float = 0.0
    workers: int = 1
    found: Counter[str] = field(default_factory=Counter)
    residual: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The report as JSON: counts only, never a value."""
        return {
            "strategy": self.strategy,
            "records": self.records,
            "input_bytes": self.input_bytes,
            "seconds": round(self.seconds, 3),
            "records_per_s": round(self.records / self.seconds, 1) if self.seconds else None,
            "mb_per_s": round(self.input_bytes / 1e6 / self.seconds, 3) if self.seconds else None,
            "workers": self.workers,
            "phi_found": dict(sorted(self.found.items())),
            "phi_found_total": sum(self.found.values()),
            "residual": dict(sorted(self.residual.items())),
            "residual_total": sum(self.residual.values()),
            "problems": self.problems,
        }


_WORKER: tuple[Deidentifier, Strategy] | None = None


def _init_worker(settings_json: str, secret: bytes | None, strategy: Strategy, id_field: str) -> None:
    global _WORKER
    settings = DeidSettings.model_validate_json(settings_json)
    _WORKER = (Deidentifier(settings, secret=secret, id_field=id_field), strategy)


def _work(batch: list[tuple[str, str, dict[str, Any]]]) -> list[RecordResult]:
    assert _WORKER is not None
    engine, strategy = _WORKER
    results = []
    for record_id, patient, data in batch:
        outcome = engine.deidentify(data, patient, strategy=strategy)
        results.append(RecordResult(record_id, outcome.record, outcome.findings, outcome.residual))
    return results


def _batches(records: Sequence[Record]) -> Iterator[list[tuple[str, str, dict[str, Any]]]]:
    for i in range(0, len(records), _CHUNK):
        yield [(r.record_id, r.patient_key, r.data) for r in records[i:i + _CHUNK]]


@contextmanager
def _loaded_data_frozen() -> Iterator[None]:
    """Exempt what is already loaded (the records) from the cyclic garbage collector for the run.

    The detectors allocate many short-lived objects, and every full collection would walk
    every loaded record again: on 10,000 records that cost about 15% of the run.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def deidentify_records(records: Sequence[Record], config: MedsumConfig, *, strategy: Strategy,
                       secret: bytes | None, workers: int = 1) -> Iterator[RecordResult]:
    """De-identify records in order, in this process or in ``workers`` processes."""
    init = (config.deid.model_dump_json(), secret, strategy, config.records.id_field)
    if workers <= 1:
        _init_worker(*init)
        with _loaded_data_frozen():
            for batch in _batches(records):
                yield from _work(batch)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=init) as pool:
        for results in pool.map(_work, _batches(records)):
            yield from results


def load_for_deid(source: Path, config: MedsumConfig, *, skip_bad: bool) -> LoadResult:
    """Load records for de-identification (no target needed); fail on problems unless skipping."""
    loaded = load_records(source, config, require_target=False)
    if not skip_bad:
        loaded.raise_for_problems()
    return loaded


def write_deidentified(records: Sequence[Record], out: Path, config: MedsumConfig, *, strategy: Strategy,
                       secret: bytes | None, workers: int = 1,
                       keep_results: bool = False) -> tuple[DeidReport, list[RecordResult]]:
    """De-identify already loaded records into ``out`` (JSON Lines, written atomically).

    Returns the report (counts only) and, with ``keep_results``, each record's result for
    callers that also score the findings, so nothing is detected twice.
    """
    started = time.perf_counter()
    report = DeidReport(strategy=strategy, workers=workers)
    results: list[RecordResult] = []
    with atomic_writer(out) as handle:
        for result in deidentify_records(records, config, strategy=strategy, secret=secret, workers=workers):
            handle.write(json.dumps(result.record, ensure_ascii=False) + "\n")
            report.records += 1
            report.found.update(f.category.value for f in result.findings)
            report.residual.update(f.category.value for f in result.residual)
            if keep_results:
                results.append(result)
    report.seconds = time.perf_counter() - started
    return report, results


def deidentify_file(source: Path, out: Path, config: MedsumConfig, *, strategy: Strategy,
                    secret: bytes | None, workers: int = 1, skip_bad: bool = False,
                    audit_root: Path | None = None) -> DeidReport:
    """De-identify every record of ``source`` into ``out``; the time reported includes loading.

    With ``audit_root`` (a workspace), the run is recorded in its audit log: the SHA-256 of
    the input and output files, record counts and the strategy, never a path (a file name
    can hold a patient's name).
    """
    from core.audit import Auditor
    from core.hashing import sha256_file, sha256_files

    auditor = Auditor(audit_root) if audit_root is not None else None  # fail fast, before the work
    started = time.perf_counter()
    loaded = load_for_deid(source, config, skip_bad=skip_bad)
    report, _ = write_deidentified(loaded.records, out, config, strategy=strategy, secret=secret, workers=workers)
    report.problems = [str(p) for p in loaded.problems]
    report.input_bytes = sum(Path(f).stat().st_size for f in loaded.files)
    report.seconds = time.perf_counter() - started
    if auditor is not None:
        auditor.event("deid", strategy=strategy, records=report.records, skipped=len(loaded.problems),
                      input_sha256=sha256_files(loaded.files), input_files=len(loaded.files),
                      output_sha256=sha256_file(out)[0], phi_found=sum(report.found.values()),
                      residual=sum(report.residual.values()))
    return report
