"""Load and validate every record of an input file or directory.

FHIR R4 input (Bundles, or bulk-export NDJSON with one resource per line) is recognised by
its content: every FHIR value of the input is gathered first, so references can cross files,
and then grouped into records (:mod:`core.records.fhir_input`).

:func:`load_records` never stops at the first bad record: it returns the good records and
every problem, and the caller decides (``--skip-bad`` keeps the good ones, otherwise any
problem fails the command).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from core.config import MedsumConfig
from core.errors import InputError
from core.records.problems import Problem
from core.records.reader import RawRecord, discover_files, read_file
from core.records.validate import Record, validate_record

if TYPE_CHECKING:
    from core.records.fhir_input import FhirSummary

__all__ = ["LoadResult", "load_records"]


@dataclass
class LoadResult:
    """The valid records of an input, the problems found, and what was read."""

    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    records_seen: int = 0
    fhir: FhirSummary | None = None  # set when the input held FHIR resources

    @property
    def patient_count(self) -> int:
        """How many distinct patients the valid records belong to."""
        return len({r.patient_key for r in self.records})

    @property
    def records_without_patient(self) -> int:
        """Valid records with none of the patient fields; each counts as its own patient."""
        return sum(1 for r in self.records if r.patient_from == "id")

    def raise_for_problems(self) -> None:
        """Raise :class:`InputError` listing the problems, unless there are none."""
        if self.problems:
            raise InputError(
                f"{len(self.problems)} problem(s) in the input; fix them or pass --skip-bad",
                self.problems,
            )


def load_records(source: Path, config: MedsumConfig, *, require_target: bool = True,
                 summaries: Mapping[str, str] | None = None) -> LoadResult:
    """Read every record under ``source`` and validate it against ``config``.

    A duplicate id keeps the first record and reports each later one. ``summaries`` pairs
    records that have no reference summary with one, by record id (FHIR brings none). Raises
    :class:`InputError` only when ``source`` itself is missing or holds no JSON files.
    """
    from core.records.fhir_input import FhirInput  # core.fhir reads core.records' problem types

    result = LoadResult()
    first_seen: dict[str, str] = {}
    single = source.is_file()
    fhir = FhirInput(config.records)
    for path in discover_files(source):
        display = str(path) if single else str(source / path.relative_to(source))
        result.files.append(display)
        for item in read_file(path, display, id_field=config.records.id_field):
            if isinstance(item, Problem):
                result.problems.append(item)
            elif fhir.accepts(item):
                fhir.add(item)
            else:
                result.records_seen += 1
                _validate(result, item, config, require_target, summaries, first_seen)
    if fhir.seen:
        built = fhir.build()
        result.fhir = built.summary
        result.problems += built.problems
        for item in built.records:
            result.records_seen += 1
            _validate(result, item, config, require_target, summaries, first_seen)
    return result


def _validate(result: LoadResult, item: RawRecord, config: MedsumConfig, require_target: bool,
              summaries: Mapping[str, str] | None, first_seen: dict[str, str]) -> None:
    """Validate one parsed value (paired with its summary, if any) and keep it if it is good."""
    if summaries is not None and isinstance(item.value, dict):
        rid = item.value.get(config.records.id_field)
        target = config.records.target_field
        if not item.value.get(target) and isinstance(rid, (str, int)) and str(rid).strip() in summaries:
            item = RawRecord(item.location, {**item.value, target: summaries[str(rid).strip()]})
    checked = validate_record(item, config.records, config.split.salt, require_target=require_target)
    if isinstance(checked, list):
        result.problems += checked
        return
    _add_unique(result, checked, first_seen, item)


def _add_unique(result: LoadResult, record: Record, first_seen: dict[str, str], item: RawRecord) -> None:
    earlier = first_seen.get(record.record_id)
    if earlier is not None:
        result.problems.append(Problem(
            item.location, f"duplicate id, first used at {earlier}; this record was not loaded", record.record_id
        ))
        return
    first_seen[record.record_id] = str(record.location)
    result.records.append(record)
