"""Run de-identification over an input file: read, de-identify (optionally in worker
processes), write the output atomically, and count what was found, without any PHI value.

Records stream through: they are read, validated, de-identified and written a batch at a
time, and worker processes are given a bounded number of batches ahead, so memory does not
grow with the input (FHIR input, whose references cross resources, is read whole).
"""

from __future__ import annotations

import gc
import json
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from core.atomic import atomic_writer
from core.config import MedsumConfig
from core.errors import MedsumError
from core.records import LoadResult, Record, RecordStream, load_records
from core.records.loader import problems_error
from core.records.problems import Location, Problem
from core.records.reader import RawRecord, discover_files, read_file
from privacy.deid.engine import Deidentifier, Finding
from privacy.deid.settings import DeidSettings, Strategy
from privacy.phi import PhiCategory

__all__ = [
    "DeidReport",
    "FhirFiles",
    "RecordResult",
    "deidentify_fhir",
    "deidentify_file",
    "deidentify_records",
    "load_for_deid",
    "read_fhir",
    "write_deidentified",
]

_CHUNK = 64
#: Input larger than this is read through once for problems before any record is
#: de-identified (reading is about 3% of the de-identification time): a bad record then fails
#: the run in seconds, not after everything before it was de-identified. Smaller input is
#: checked as it streams, which costs a failed run at most about a minute.
_CHECK_FIRST_BYTES = 64 * 1024 * 1024
#: Batches handed to the worker processes and not yet taken back, per worker: one being
#: worked on and one waiting, so no worker idles while the results are written.
_AHEAD_PER_WORKER = 2
# Each category's label, read from a dict: ``.value`` off an enum member runs a Python-level
# descriptor, a cost paid for every finding of every record.
_LABELS: dict[PhiCategory, str] = {category: category.value for category in PhiCategory}


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
    residual_records: list[str] = field(default_factory=list)  # ids of the records the residual scan flags
    allow_list_pass: bool = True
    problems: list[str] = field(default_factory=list)
    fhir: dict[str, int] | None = None  # FHIR input: resources, notes, attachments skipped

    def count(self, record_id: str, findings: list[Finding], residual: list[Finding]) -> None:
        """Add one record's (or FHIR resource's) findings and residual tokens to the counts."""
        self.found.update([_LABELS[f.category] for f in findings])
        if residual:
            self.residual.update([_LABELS[f.category] for f in residual])
            self.residual_records.append(record_id)

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
            "residual_unit": "word tokens of the output neither allow-listed nor replaced",
            "residual_records": self.residual_records,
            "allow_list_pass": self.allow_list_pass,
            "problems": self.problems,
            **({"fhir": self.fhir} if self.fhir is not None else {}),
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


def _batches(records: Iterable[Record]) -> Iterator[list[tuple[str, str, dict[str, Any]]]]:
    """The records, ``_CHUNK`` at a time, taken from ``records`` only as each batch is asked for."""
    batch: list[tuple[str, str, dict[str, Any]]] = []
    for r in records:
        batch.append((r.record_id, r.patient_key, r.data))
        if len(batch) == _CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _in_order(pool: ProcessPoolExecutor, batches: Iterator[list[tuple[str, str, dict[str, Any]]]],
              ahead: int) -> Iterator[list[RecordResult]]:
    """Each batch's results from ``pool``, in order, with at most ``ahead`` batches handed to
    the pool and not yet taken back (``Executor.map`` would hand it every batch at once)."""
    pending: deque[Future[list[RecordResult]]] = deque()
    try:
        for batch in batches:
            pending.append(pool.submit(_work, batch))
            if len(pending) >= ahead:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:  # a failure, or a consumer that stopped: start no more
            future.cancel()


@contextmanager
def _loaded_data_frozen() -> Iterator[None]:
    """Exempt what is already loaded from the cyclic garbage collector for the run: what the
    detectors loaded so far, and the records of a caller that loaded them all (``medsum deid``
    streams its records, so they come and go young).

    The detectors allocate many short-lived objects, and every full collection would walk
    every loaded record again: on 10,000 loaded records that cost about 15% of the run.

    Only the young generations are collected first (what loading just left behind): a full
    collection here walked every loaded record and word list once more, about 2% of a
    3,000-record run. Older cyclic garbage, if any, is freed after the run, at the unfreeze.

    During the run the youngest generation is collected every 10,000 allocations rather than
    every 700: de-identification makes no reference cycles (its short-lived objects are freed
    by their reference counts), so the frequent collections only walked live objects.
    """
    gc.collect(1)
    gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(10_000, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def deidentify_records(records: Iterable[Record], config: MedsumConfig, *, strategy: Strategy,
                       secret: bytes | None, workers: int = 1) -> Iterator[RecordResult]:
    """De-identify records in order, in this process or in ``workers`` processes.

    ``records`` is read a batch at a time, as results are taken: with workers, at most
    ``_AHEAD_PER_WORKER`` batches a worker are read ahead of the results."""
    init = (config.deid.model_dump_json(), secret, strategy, config.records.id_field)
    if workers <= 1:
        _init_worker(*init)
        with _loaded_data_frozen():
            for batch in _batches(records):
                yield from _work(batch)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=init) as pool:
        for results in _in_order(pool, _batches(records), workers * _AHEAD_PER_WORKER):
            yield from results


def load_for_deid(source: Path, config: MedsumConfig, *, skip_bad: bool) -> LoadResult:
    """Load records for de-identification (no target needed); fail on problems unless skipping."""
    loaded = load_records(source, config, require_target=False)
    if not skip_bad:
        loaded.raise_for_problems()
    return loaded


@contextmanager
def _invalid_unicode_fails(what: str) -> Iterator[None]:
    """A last guard, after validation: output UTF-8 cannot hold fails in one line, not a traceback.

    Record validation rejects lone surrogates, so this is reached only if de-identification
    made one; :func:`~core.atomic.atomic_writer` has already left ``out`` as it was.
    """
    try:
        yield
    except UnicodeEncodeError:
        raise MedsumError(f"{what} of the output would hold invalid Unicode (a lone surrogate); "
                          "nothing was written") from None


def write_deidentified(records: Iterable[Record], out: Path, config: MedsumConfig, *, strategy: Strategy,
                       secret: bytes | None, workers: int = 1,
                       keep_results: bool = False) -> tuple[DeidReport, list[RecordResult]]:
    """De-identify records into ``out`` (JSON Lines, written atomically), each written as soon
    as it is done: ``records`` may be a stream. Should it raise, ``out`` is left as it was.

    Returns the report (counts only) and, with ``keep_results``, each record's result for
    callers that also score the findings, so nothing is detected twice.
    """
    started = time.perf_counter()
    report = DeidReport(strategy=strategy, workers=workers, allow_list_pass=config.deid.allow_list_pass)
    results: list[RecordResult] = []
    with _invalid_unicode_fails("a record"), atomic_writer(out) as handle:
        for result in deidentify_records(records, config, strategy=strategy, secret=secret, workers=workers):
            handle.write(json.dumps(result.record, ensure_ascii=False) + "\n")
            report.records += 1
            report.count(result.record_id, result.findings, result.residual)
            if keep_results:
                results.append(result)
    report.seconds = time.perf_counter() - started
    return report, results


def _check_input(source: Path, config: MedsumConfig) -> None:
    """Read and validate every record of ``source`` without keeping any; raise
    :class:`InputError` listing the problems, if any. Reading is fast next to
    de-identification (about 35 MB/s against 1 on two cores)."""
    stream = RecordStream(source, config, require_target=False)
    for _ in stream:
        pass
    if stream.problems:
        raise problems_error(stream.problems)


def _valid_records(stream: RecordStream, *, skip_bad: bool) -> Iterator[Record]:
    """The records of ``stream``; unless ``skip_bad``, once a problem is found no more are
    given, the rest is read for its problems, and :class:`InputError` lists them all (a
    large input was checked first, by :func:`_check_input`: then it changed since)."""
    records = iter(stream)
    for record in records:
        if stream.problems and not skip_bad:
            break
        yield record
    if stream.problems and not skip_bad:
        for _ in records:
            pass
        raise problems_error(stream.problems)


def deidentify_file(source: Path, out: Path, config: MedsumConfig, *, strategy: Strategy,
                    secret: bytes | None, workers: int = 1, skip_bad: bool = False,
                    audit_root: Path | None = None) -> DeidReport:
    """De-identify every record of ``source`` into ``out``; the time reported includes reading.

    Records are read, de-identified and written as they come (see the module's docstring).
    Without ``skip_bad`` a bad record fails the run, naming every problem in the input: a
    large input (over ``_CHECK_FIRST_BYTES``) is read through for problems first, so it fails
    before any record is de-identified; a smaller one stops de-identifying at the first
    problem. ``out`` is written atomically: a failed run leaves it as it was.

    With ``audit_root`` (a workspace), the run is recorded in its audit log: the SHA-256 of
    the input and output files, record counts and the strategy, never a path (a file name
    can hold a patient's name).
    """
    from core.audit import Auditor
    from core.hashing import sha256_file, sha256_files

    auditor = Auditor(audit_root) if audit_root is not None else None  # fail fast, before the work
    started = time.perf_counter()
    fhir_input = read_fhir(source)
    if fhir_input is not None:
        report = deidentify_fhir(fhir_input, out, config, strategy=strategy, secret=secret, skip_bad=skip_bad)
        files, skipped = fhir_input.files, len(report.problems)
    else:
        stream = RecordStream(source, config, require_target=False)
        if not skip_bad and sum(Path(f).stat().st_size for f in stream.files) > _CHECK_FIRST_BYTES:
            _check_input(source, config)  # a bad record fails the run before any is de-identified
        report, _ = write_deidentified(_valid_records(stream, skip_bad=skip_bad), out, config, strategy=strategy,
                                       secret=secret, workers=workers)
        report.problems = [str(p) for p in stream.problems]
        files, skipped = stream.files, len(stream.problems)
    report.input_bytes = sum(Path(f).stat().st_size for f in files)
    report.seconds = time.perf_counter() - started
    if auditor is not None:
        auditor.event("deid", strategy=strategy, records=report.records, skipped=skipped,
                      input_sha256=sha256_files(files), input_files=len(files),
                      output_sha256=sha256_file(out)[0], phi_found=sum(report.found.values()),
                      residual=sum(report.residual.values()), residual_records=report.residual_records,
                      allow_list_pass=report.allow_list_pass)
    return report


# -- FHIR in, FHIR out ---------------------------------------------------------------------

@dataclass
class FhirFiles:
    """The parsed values of a FHIR input (Bundles or bare resources), in file order."""

    files: list[str]
    values: list[RawRecord]
    single_file: bool
    problems: list[Problem] = field(default_factory=list)


def read_fhir(source: Path) -> FhirFiles | None:
    """Every value of ``source`` when it is FHIR (the first value of the first file is a
    resource with ``resourceType``), else None: then it is read as records."""
    from core.fhir.resources import is_fhir

    paths = discover_files(source)
    single = source.is_file()
    displays = [str(p) if single else str(source / p.relative_to(source)) for p in paths]
    first = next(iter(read_file(paths[0], displays[0])), None)
    if not (isinstance(first, RawRecord) and is_fhir(first.value)):
        return None
    found = FhirFiles(displays, [], single)
    for path, display in zip(paths, displays):
        for item in read_file(path, display):
            if isinstance(item, Problem):
                found.problems.append(item)
            else:
                found.values.append(item)
    return found


class _Notes:
    """:mod:`core.fhir.notes` as the note codec the FHIR de-identifier asks for."""

    @staticmethod
    def decode(attachment: dict[str, Any]) -> str | None:
        from core.fhir.notes import decode_note
        return decode_note(attachment)

    @staticmethod
    def encode(attachment: dict[str, Any], text: str) -> dict[str, Any]:
        from core.fhir.notes import encode_note
        return encode_note(attachment, text)


def deidentify_fhir(found: FhirFiles, out: Path, config: MedsumConfig, *, strategy: Strategy,
                    secret: bytes | None, skip_bad: bool = False) -> DeidReport:
    """De-identify FHIR input into FHIR of the same structure, written atomically to ``out``:
    one Bundle file in gives one Bundle JSON out; anything else (several Bundles, NDJSON
    resources) one value per line, in input order. One process (``--workers`` does not apply).

    Every resource of a patient uses that patient's surrogates and date shift, keyed as the
    patient's MedSum records are (:func:`core.fhir.patients.patient_key`); the patient's own
    values and those of the people and places its resources refer to are looked for in its
    free text and notes. A structural fault fails the run (:class:`InputError`, one line per
    problem naming file, entry and resource) unless ``skip_bad``, which leaves the bad entries out.
    """
    import os

    from core.errors import InputError
    from core.fhir.patients import PEOPLE, patient_id, patient_key, patient_of, referred_people
    from core.fhir.refs import ResourceIndex
    from core.fhir.resources import FhirResource, resource_label, resources_of
    from core.records.fhir_input import bundle_unicode_problems, encodable_resources
    from privacy.deid.fhir import FhirContext, FhirDeidentifier, FhirDeidError

    report = DeidReport(strategy=strategy, workers=1, allow_list_pass=config.deid.allow_list_pass)
    problems = list(found.problems)
    resources: list[FhirResource] = []
    left_out: set[int] = set()  # Bundles and entries UTF-8 cannot hold (--skip-bad leaves them out)
    for raw in found.values:
        items, bad = resources_of(raw.value, raw.location)
        if raw.may_hold_surrogates:  # its text has a surrogate escape: find any lone one
            invalid, bad_parts = bundle_unicode_problems(raw.value, raw.location)
            left_out |= bad_parts
            if id(raw.value) in left_out:
                problems += invalid
                continue
            items, unencodable = encodable_resources([r for r in items if id(r.resource) not in left_out])
            bad += invalid + unencodable
        resources += items
        problems += bad
    index = ResourceIndex(resources)
    engine = Deidentifier(config.deid, secret=secret, id_field=config.records.id_field)
    fhir = FhirDeidentifier(engine, strategy=strategy, id_key=secret or os.urandom(32), notes=_Notes())
    owners = {id(item): patient_of(item, index) for item in resources}
    mine: dict[int, list[FhirResource]] = {}
    for item in resources:
        owner = owners[id(item)]
        if owner is not None:
            mine.setdefault(id(owner), []).append(item)
    contexts: dict[int, FhirContext] = {}
    shared = fhir.context(None, None)
    done: dict[int, dict[str, Any]] = {}
    counts = Counter({"resources": 0, "notes": 0, "attachments_skipped": 0})
    for item in resources:
        owner = owners[id(item)]
        if owner is not None:
            context = contexts.get(id(owner))
            if context is None:
                people = [p.resource for p in referred_people(mine.get(id(owner), []), index)]
                context = contexts[id(owner)] = fhir.context(patient_key(patient_id(owner), config.split.salt),
                                                             owner.resource, people)
        else:
            context = fhir.context(None, None, [item.resource]) if item.type in PEOPLE else shared
        try:
            result = fhir.deidentify(item.resource, context, partial(index.resolve, referrer=item))
        except FhirDeidError as exc:
            where = item.location
            entry = f"entry {where.index} ({item.label})" if where.index is not None else item.label
            problems.append(Problem(Location(where.file, where.line), f"{entry}: {exc}"))
            continue
        done[id(item.resource)] = result.resource
        counts.update(resources=1, notes=result.notes, attachments_skipped=result.attachments_skipped)
        report.count(resource_label(result.resource), result.findings, result.residual)  # the output's id
    if problems and not skip_bad:
        raise InputError(f"{len(problems)} problem(s) in the input; fix them or pass --skip-bad", problems)
    report.problems = [str(p) for p in problems]
    report.records = counts["resources"]
    report.fhir = dict(counts)

    def bundle(value: dict[str, Any]) -> dict[str, Any]:
        shell = {k: v for k, v in value.items() if k not in ("entry", "link")}
        new = fhir.deidentify(shell, shared, lambda ref: None).resource
        entries = []
        for entry in value.get("entry") or []:
            if id(entry) in left_out:
                continue  # an entry holding invalid Unicode, left out (--skip-bad)
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if isinstance(resource, dict) and resource.get("resourceType") == "Bundle":
                resource = bundle(resource)
            elif isinstance(resource, dict):
                resource = done.get(id(resource))
                if resource is None:
                    continue  # a bad entry, left out (--skip-bad)
            elif not (isinstance(entry, dict) and isinstance(entry.get("request"), dict)):
                continue
            entries.append(_entry(entry, resource, fhir))
        if "entry" in value:
            new["entry"] = entries
        return {k: new[k] for k in value if k in new}

    lines = []
    for raw in found.values:
        value = raw.value
        if id(value) in left_out:
            continue
        if isinstance(value, dict) and value.get("resourceType") == "Bundle":
            lines.append(bundle(value))
        elif id(value) in done:
            lines.append(done[id(value)])
    with _invalid_unicode_fails("a FHIR value"), atomic_writer(out) as handle:
        if found.single_file and len(lines) == 1 and lines[0].get("resourceType") == "Bundle":
            handle.write(json.dumps(lines[0], ensure_ascii=False, indent=2) + "\n")
        else:
            for line in lines:
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")
    return report


def _entry(entry: dict[str, Any], resource: dict[str, Any] | None, fhir: Any) -> dict[str, Any]:
    """A Bundle entry with its resource de-identified and its URLs remapped."""
    new: dict[str, Any] = {}
    for key, value in entry.items():
        if key == "resource":
            if resource is not None:
                new[key] = resource
        elif key == "fullUrl" and isinstance(value, str):
            new[key] = fhir.reference(value)
        elif key in ("request", "response") and isinstance(value, dict):
            part = dict(value)
            for name in ("url", "location"):
                if isinstance(part.get(name), str):
                    part[name] = fhir.reference(part[name])
            if isinstance(part.get("ifNoneExist"), str):
                if fhir.strategy == "surrogate":
                    part["ifNoneExist"] = fhir.query(part["ifNoneExist"])
                else:
                    del part["ifNoneExist"]  # redacted values would match nothing
            for name in ("lastModified",):
                part.pop(name, None)
            new[key] = part
        elif key != "link":
            new[key] = value
    return new
