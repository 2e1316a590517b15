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
from core.records.stream import RecordStream
from core.records.validate import Record

if TYPE_CHECKING:
    from core.records.fhir_input import FhirSummary

__all__ = ["LoadResult", "load_records", "problems_error"]


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
            raise problems_error(self.problems)


def problems_error(problems: list[Problem]) -> InputError:
    """The error for input with ``problems``: how many, then each one (the CLI lists them)."""
    return InputError(f"{len(problems)} problem(s) in the input; fix them or pass --skip-bad", problems)


def load_records(source: Path, config: MedsumConfig, *, require_target: bool = True,
                 summaries: Mapping[str, str] | None = None) -> LoadResult:
    """Read every record under ``source`` and validate it against ``config``.

    A duplicate id keeps the first record and reports each later one. ``summaries`` pairs
    records that have no reference summary with one, by record id (FHIR brings none). Raises
    :class:`InputError` only when ``source`` itself is missing or holds no JSON files.
    Every record is held in memory: :class:`~core.records.stream.RecordStream` gives them
    one at a time.
    """
    stream = RecordStream(source, config, require_target=require_target, summaries=summaries)
    records = list(stream)
    return LoadResult(records, stream.problems, stream.files, stream.records_seen, stream.fhir)
