"""Helpers for record tests: write inputs and load them with the default config."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.config import MedsumConfig
from core.records import LoadResult, load_records


def good_record(i: int, patient: str | None = None, **extra: Any) -> dict[str, Any]:
    """A valid record; ``patient`` sets its MRN (default: one patient per record)."""
    record = {
        "id": f"r-{i:04d}",
        "mrn": patient or f"mrn-{i}",
        "patient_name": "Test Person",
        "patient_history": "68 y/o F with HTN, DM2. SOB on exertion.",
        "diagnosis": "CAD",
        "summary": "Shortness of breath (SOB) with coronary artery disease (CAD).",
    }
    record.update(extra)
    return record


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    """Write ``rows`` as JSON Lines."""
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def load():
    """Load a path with the default configuration (or a given one)."""

    def _load(path: Path, config: MedsumConfig | None = None, **kwargs: Any) -> LoadResult:
        return load_records(path, config or MedsumConfig(), **kwargs)

    return _load
