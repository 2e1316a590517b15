"""The valid records of an input file or directory, one at a time, validated as they are read.

:class:`RecordStream` holds no record once it has been yielded: what it keeps is the problems
found, the files read and the ids seen (for duplicates, :class:`~core.records.seen_ids.SeenIds`),
so memory does not grow with the size of the input, only with its number of ids and problems.

FHIR values are the exception: references cross resources and files, so every FHIR value of
the input is gathered, and the records built from them come after the others (as
:func:`~core.records.loader.load_records` has always ordered them).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from core.config import MedsumConfig
from core.records.problems import Problem
from core.records.reader import RawRecord, discover_files, read_file
from core.records.seen_ids import SeenIds
from core.records.validate import Record, validate_record

if TYPE_CHECKING:
    from core.records.fhir_input import FhirSummary

__all__ = ["RecordStream"]


class RecordStream:
    """Iterate once over the valid records under ``source``, in input order.

    A duplicate id keeps the first record and reports each later one. ``summaries`` pairs
    records that have no reference summary with one, by record id. Each bad record is added
    to :attr:`problems` when it is reached, so a caller can stop at the first, or read on.
    """

    def __init__(self, source: Path, config: MedsumConfig, *, require_target: bool = True,
                 summaries: Mapping[str, str] | None = None) -> None:
        """Find the input files; raises :class:`~core.errors.InputError` when ``source`` is
        missing or holds no JSON files. Nothing is read until the stream is iterated."""
        self._paths = discover_files(source)
        single = source.is_file()
        #: The input files, as shown in problems.
        self.files = [str(p) if single else str(source / p.relative_to(source)) for p in self._paths]
        #: The problems found so far, in input order.
        self.problems: list[Problem] = []
        #: Values read so far that were taken as records (FHIR input: the records built).
        self.records_seen = 0
        #: Set once FHIR values have been turned into records, at the end of the stream.
        self.fhir: FhirSummary | None = None
        self._config = config
        self._require_target = require_target
        self._summaries = summaries
        self._ids = SeenIds()
        self._started = False

    def __iter__(self) -> Iterator[Record]:
        """The valid records; a stream can be iterated only once."""
        if self._started:
            raise RuntimeError("a RecordStream can be iterated only once")
        self._started = True
        return self._records()

    def _records(self) -> Iterator[Record]:
        from core.records.fhir_input import FhirInput  # core.fhir reads core.records' problem types

        fhir = FhirInput(self._config.records)
        id_field = self._config.records.id_field
        for path, display in zip(self._paths, self.files):
            for item in read_file(path, display, id_field=id_field):
                if isinstance(item, Problem):
                    self.problems.append(item)
                elif fhir.accepts(item):
                    fhir.add(item)
                else:
                    self.records_seen += 1
                    record = self._validate(item)
                    if record is not None:
                        yield record
        if fhir.seen:
            built = fhir.build()
            self.fhir = built.summary
            self.problems += built.problems
            for item in built.records:
                self.records_seen += 1
                record = self._validate(item)
                if record is not None:
                    yield record

    def _validate(self, item: RawRecord) -> Record | None:
        """The record of one parsed value (paired with its summary, if any), or None with its
        problems recorded."""
        config = self._config
        if self._summaries is not None and isinstance(item.value, dict):
            rid = item.value.get(config.records.id_field)
            target = config.records.target_field
            if not item.value.get(target) and isinstance(rid, (str, int)) and str(rid).strip() in self._summaries:
                item = RawRecord(item.location, {**item.value, target: self._summaries[str(rid).strip()]})
        checked = validate_record(item, config.records, config.split.salt, require_target=self._require_target)
        if isinstance(checked, list):
            self.problems += checked
            return None
        earlier = self._ids.add(checked.record_id, checked.location)
        if earlier is not None:
            self.problems.append(Problem(
                item.location, f"duplicate id, first used at {earlier}; this record was not loaded", checked.record_id
            ))
            return None
        return checked
