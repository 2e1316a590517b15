"""Load and validate every record of an input file or directory.

:func:`load_records` never stops at the first bad record: it returns the good records and
every problem, and the caller decides (``--skip-bad`` keeps the good ones, otherwise any
problem fails the command).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from core.config import MedsumConfig
from core.errors import InputError
from core.records.problems import Problem
from core.records.reader import RawRecord, discover_files, read_file
from core.records.validate import Record, validate_record

__all__ = ["LoadResult", "load_records"]


@dataclass
class LoadResult:
    """The valid records of an input, the problems found, and what was read."""

    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    records_seen: int = 0

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


def load_records(source: Path, config: MedsumConfig, *, require_target: bool = True) -> LoadResult:
    """Read every record under ``source`` and validate it against ``config``.

    A duplicate id keeps the first record and reports each later one. Raises
    :class:`InputError` only when ``source`` itself is missing or holds no JSON files.
    """
    result = LoadResult()
    first_seen: dict[str, str] = {}
    single = source.is_file()
    for path in discover_files(source):
        display = str(path) if single else str(source / path.relative_to(source))
        result.files.append(display)
        for item in read_file(path, display):
            if isinstance(item, Problem):
                result.problems.append(item)
                continue
            result.records_seen += 1
            checked = validate_record(item, config.records, config.split.salt, require_target=require_target)
            if isinstance(checked, list):
                result.problems += checked
                continue
            _add_unique(result, checked, first_seen, item)
    return result


def _add_unique(result: LoadResult, record: Record, first_seen: dict[str, str], item: RawRecord) -> None:
    earlier = first_seen.get(record.record_id)
    if earlier is not None:
        result.problems.append(Problem(
            item.location, f"duplicate id, first used at {earlier}; this record was not loaded", record.record_id
        ))
        return
    first_seen[record.record_id] = str(record.location)
    result.records.append(record)
