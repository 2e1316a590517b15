"""``import_dataset``: load records, de-identify them, split them by patient and store the
result in the workspace as a ``datasets`` Arrow ``DatasetDict`` with its ``dataset.json``.

Only de-identified text is stored. The raw input is read, never copied, and its path is
not recorded. The dataset is built in a hidden temporary directory and renamed into place,
so a failure leaves nothing behind and an existing dataset is never overwritten; an intent
written before the rename (:mod:`core.intents`) makes sure that a kill right after it still
ends with the dataset recorded in the privacy ledger and the audit log.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from core.atomic import atomic_writer
from core.audit import Auditor
from core.config import MedsumConfig
from core.datasets.entry import DATA_DIR, ENTRY_FILE, DatasetEntry, DatasetError, check_name, datasets_dir, entry_json
from core.datasets.fingerprint import COLUMNS, fingerprint_splits
from core.errors import InputError
from core.intents import new_intent, record, recording
from core.records import SPLITS, Problem, Record, load_records, model_input, split_by_patient, target_text
from core.records.pairing import read_summaries
from core.workspace import Workspace
from privacy.deid.settings import Strategy

__all__ = ["import_dataset", "features"]

_SHARD_BYTES = 500 * 2**20


def features() -> Any:
    """The ``datasets.Features`` of every split: four string columns."""
    from datasets import Features, Value

    return Features({name: Value("string") for name in COLUMNS})


def _records_config(config: MedsumConfig, input_fields: list[str] | None, target_field: str | None,
                    fhir: dict[str, Any] | None = None) -> MedsumConfig:
    update: dict[str, Any] = dict(fhir or {})
    if input_fields is not None:
        fields = [f.strip() for f in input_fields]
        if not fields or any(not f for f in fields):
            raise DatasetError("--input-fields: give one or more non-empty field names", exit_code=2)
        if len(set(fields)) != len(fields):
            raise DatasetError("--input-fields: a field is named twice", exit_code=2)
        update["input_fields"] = fields
    if target_field is not None:
        if not target_field.strip():
            raise DatasetError("--target-field: give a field name", exit_code=2)
        update["target_field"] = target_field.strip()
    records = config.records.model_copy(update=update)
    if records.input_fields is not None and records.target_field in records.input_fields:
        raise DatasetError(
            f"field {records.target_field!r} is the target summary and cannot also be an input field", exit_code=2
        )
    return config.model_copy(update={"records": records})


def _strategy(config: MedsumConfig, strategy: str | None) -> Strategy:
    chosen = strategy or config.deid.strategy
    if chosen in ("surrogate", "redact"):
        return cast(Strategy, chosen)
    raise DatasetError(f"--strategy {chosen!r}: use surrogate or redact", exit_code=2)


def _skipped(problems: list[Problem]) -> int:
    """Bad records (a record with several problems counts once)."""
    return len({str(p.location) for p in problems})


@contextmanager
def _quiet_datasets() -> Iterator[None]:
    """Hide ``datasets`` progress bars for the save, restoring the caller's setting after."""
    from datasets.utils import are_progress_bars_disabled, disable_progress_bars, enable_progress_bars

    if are_progress_bars_disabled():
        yield
        return
    with warnings.catch_warnings():  # HF_DATASETS_DISABLE_PROGRESS_BARS=0 wins, with a warning
        warnings.simplefilter("ignore")
        disable_progress_bars()
    try:
        yield
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            enable_progress_bars()


def _rows(records: list[Record], config: MedsumConfig, *, strategy: Strategy, secret: bytes | None,
          workers: int) -> tuple[dict[str, dict[str, str]], list[Problem], Counter[str], int, list[str]]:
    """De-identify every record; return its row by record id, problems, PHI found by category, the
    residual total (word tokens neither allow-listed nor replaced) and the ids of the records
    that hold them."""
    from core.deid_run import deidentify_records  # the detectors load their lexicons: only when used

    rows: dict[str, dict[str, str]] = {}
    problems: list[Problem] = []
    found: Counter[str] = Counter()
    residual = 0
    at_risk: list[str] = []
    by_id = {r.record_id: r for r in records}
    for result in deidentify_records(records, config, strategy=strategy, secret=secret, workers=workers):
        record = by_id[result.record_id]
        found.update(f.category.value for f in result.findings)
        residual += len(result.residual)
        if result.residual:
            at_risk.append(result.record_id)
        source = model_input(result.record, config.records)
        target = target_text(result.record, config.records)
        if not source.strip():
            problems.append(Problem(record.location, "has no input text after de-identification", record.record_id))
            continue
        if target is None:
            problems.append(Problem(record.location, "has no target summary after de-identification",
                                    record.record_id, config.records.target_field))
            continue
        rows[record.record_id] = {"id": record.record_id, "source": source, "target": target,
                                  "patient": record.patient_key}
    return rows, problems, found, residual, at_risk


def import_dataset(workspace: Workspace, source: Path, name: str, *, input_fields: list[str] | None = None,
                   target_field: str | None = None, strategy: str | None = None, skip_bad: bool = False,
                   workers: int = 1, summaries: Path | None = None, fhir: dict[str, Any] | None = None,
                   say: Callable[[str], None] | None = None) -> DatasetEntry:
    """De-identify the records of ``source`` and store them as dataset ``name`` in the workspace.

    ``summaries`` pairs records without a reference summary with one by record id (see
    :func:`core.records.pairing.read_summaries`); ``fhir`` overrides the ``records.fhir_*``
    settings for FHIR input, and ``say`` hears what FHIR input gave and left out.

    Records are split 80/10/10 by patient (the split settings of the workspace config). Bad
    records raise :class:`InputError` (exit 1) unless ``skip_bad``; records without a target
    summary are bad records. An existing dataset of that name is refused. The dataset is
    recorded in the privacy ledger and the import in the audit log (counts and hashes only).
    """
    check_name(name)
    if workers < 1:
        raise DatasetError("--workers must be at least 1", exit_code=2)
    parent = datasets_dir(workspace.root)
    final = parent / name
    if final.exists():
        raise DatasetError(f"dataset {name!r} already exists; choose another --name")
    config = _records_config(workspace.config, input_fields, target_field, fhir)
    paired = read_summaries(Path(summaries), config.records.id_field, config.records.target_field) \
        if summaries is not None else None
    chosen = _strategy(config, strategy)
    auditor = Auditor(workspace.root)  # before the work, so a missing secret store fails fast

    secret = None
    if chosen == "surrogate":  # before the work, so a missing secret store fails fast
        from core.secrets import deid_secret

        secret = deid_secret(workspace.location)
    loaded = load_records(Path(source), config, require_target=True, summaries=paired)
    if loaded.fhir is not None and say is not None:
        say(loaded.fhir.describe())
    if not skip_bad:
        loaded.raise_for_problems()
    rows, late, found, residual, at_risk = _rows(loaded.records, config, strategy=chosen, secret=secret,
                                                 workers=workers)
    problems = loaded.problems + late
    if late and not skip_bad:
        raise InputError(f"{len(late)} problem(s) in the input; fix them or pass --skip-bad", late)
    kept = [r for r in loaded.records if r.record_id in rows]
    if not kept:
        raise InputError("no valid records to import", problems)

    splits = split_by_patient(kept, config.split)
    columns = {s: {c: [rows[r.record_id][c] for r in splits[s]] for c in COLUMNS} for s in SPLITS}
    entry = DatasetEntry(
        name=name,
        fingerprint=fingerprint_splits(columns, SPLITS),
        records=len(kept),
        splits={s: len(splits[s]) for s in SPLITS},
        patients={s: len({r.patient_key for r in splits[s]}) for s in SPLITS},
        input_fields=config.records.input_fields,
        target_field=config.records.target_field,
        strategy=chosen,
        phi_found=sum(found.values()),
        residual=residual,
        skipped=_skipped(problems),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        path=final,
    )
    ledger, audit = _record_fields(entry, found, [r for r in at_risk if r in rows], config.deid.allow_list_pass)
    _store(workspace.root, auditor, _build(parent, final, columns, entry), final, ledger, audit)
    return entry


def _record_fields(entry: DatasetEntry, found: Counter[str], at_risk: list[str],
                   allow_list_pass: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """The new dataset's privacy ledger row and the fields of its ``data.import`` audit entry:
    counts, and the ids (never the values) of the records the residual scan found words in."""
    deid = {"strategy": entry.strategy, "phi_found": entry.phi_found, "phi_by_category": dict(sorted(found.items())),
            "residual": entry.residual, "residual_records": at_risk, "allow_list_pass": allow_list_pass,
            "skipped": entry.skipped}
    patients = sum(entry.patients.values())
    ledger = {"fingerprint": entry.fingerprint, "records": entry.records, "patients": patients, "deid": deid}
    audit = {"dataset": entry.name, "fingerprint": entry.fingerprint, "records": entry.records, "patients": patients,
             "splits": dict(entry.splits), **deid}
    return ledger, audit


def _build(parent: Path, final: Path, columns: dict[str, dict[str, list[str]]], entry: DatasetEntry) -> Path:
    """Save the splits and ``dataset.json`` in a new temporary directory beside ``final``; return it."""
    from datasets import Dataset, DatasetDict

    parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = parent / f".{final.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
    try:
        tmp.mkdir(mode=0o700)
        feats = features()
        table = DatasetDict({s: Dataset.from_dict(columns[s], features=feats) for s in SPLITS})
        # One shard at least per split: datasets cannot load back a split saved with none.
        shards = {s: max(1, -(-table[s].data.nbytes // _SHARD_BYTES)) for s in SPLITS}
        with _quiet_datasets():
            table.save_to_disk(str(tmp / DATA_DIR), num_shards=shards)
        with atomic_writer(tmp / ENTRY_FILE) as handle:
            handle.write(json.dumps(entry_json(entry), indent=2) + "\n")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tmp


def _store(root: Path, auditor: Auditor, tmp: Path, final: Path, ledger: dict[str, Any],
           audit: dict[str, Any]) -> None:
    """Rename the built dataset ``tmp`` to ``final``, then record it with the privacy ledger row
    ``ledger`` and the audit entry ``audit``; its intent is on disk from before the rename until
    both are written (see :mod:`core.intents`), so a kill in between is reconciled later."""
    exists = f"dataset {final.name!r} already exists; choose another --name"
    try:
        intent = new_intent(root, "dataset", final.name, tmp, ledger=ledger, audit=audit)
        with recording(root, intent):
            if final.exists():
                raise DatasetError(exists)
            try:
                os.rename(tmp, final)
            except OSError:
                raise DatasetError(exists) from None
            record(root, intent, auditor)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # nothing left to remove once renamed
        raise
