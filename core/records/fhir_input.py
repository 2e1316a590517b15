"""Records from FHIR R4 input: the FHIR values of one input, gathered across its files, turned
into MedSum records at the configured level (``records.fhir_level``) and token budget.

With ``records.fhir_strict`` every Bundle and resource is validated against R4B first and an
invalid one is a problem; otherwise the resources are read as plain JSON and what they do not
use is counted in :class:`FhirSummary` (resource types skipped, items cut by the budget).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from core.config import RecordsConfig
from core.fhir.records import build_records
from core.fhir.refs import ResourceIndex
from core.fhir.resources import FhirResource, is_fhir, resources_of
from core.records.problems import Problem
from core.records.reader import RawRecord

__all__ = ["FhirBuilt", "FhirInput", "FhirSummary"]


@dataclass(frozen=True)
class FhirSummary:
    """What FHIR input gave: resources read, records made, and what was left out."""

    level: str
    resources: int
    patients: int
    records: int
    skipped: dict[str, int] = field(default_factory=dict)
    cut: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        """One line for the terminal: counts and what was skipped or cut (no values)."""
        text = (f"FHIR input: {self.resources} resources of {self.patients} patient(s) -> {self.records} "
                f"{self.level}-level record(s)")
        if self.skipped:
            text += "; not used: " + ", ".join(f"{k} {v}" for k, v in sorted(self.skipped.items()))
        if self.cut:
            text += "; left out of the model input: " + ", ".join(f"{k} {v}" for k, v in sorted(self.cut.items()))
        return text

    def to_json(self) -> dict[str, Any]:
        """The summary as JSON, for reports."""
        return {"level": self.level, "resources": self.resources, "patients": self.patients,
                "records": self.records, "skipped": self.skipped, "cut": self.cut}


@dataclass
class FhirBuilt:
    """Records (as parsed values, to validate like any other) and problems of FHIR input."""

    records: list[RawRecord]
    problems: list[Problem]
    summary: FhirSummary


class FhirInput:
    """Gathers the FHIR values of one input, then builds its records."""

    def __init__(self, config: RecordsConfig) -> None:
        """``config`` gives the level, the token budget and whether to validate strictly."""
        self._config = config
        self._resources: list[FhirResource] = []
        self._problems: list[Problem] = []
        self.seen = 0

    @staticmethod
    def accepts(item: RawRecord) -> bool:
        """Whether a parsed value is FHIR (a Bundle or a resource), not a MedSum record."""
        return is_fhir(item.value)

    def add(self, item: RawRecord) -> None:
        """Take one FHIR value: its resources, or the problems that keep it out."""
        self.seen += 1
        if self._config.fhir_strict:
            from core.fhir.strict import validate_strict

            problems = validate_strict(item.value, item.location)
            if problems:
                self._problems += problems
                return
        resources, problems = resources_of(item.value, item.location)
        self._resources += resources
        self._problems += problems

    def build(self) -> FhirBuilt:
        """Group what was gathered into records at the configured level."""
        index = ResourceIndex(self._resources)
        built = build_records(index, self._config.fhir_level, self._config.fhir_max_tokens)
        records = [RawRecord(location, data) for data, location in built.records]
        summary = FhirSummary(
            level=built.level, resources=len(self._resources),
            patients=sum(1 for r in self._resources if r.type == "Patient"), records=len(records),
            skipped=dict(Counter(built.skipped)), cut=dict(Counter(built.cut)))
        return FhirBuilt(records, self._problems + built.problems, summary)
