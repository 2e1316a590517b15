"""What the workspace records about one dataset: :class:`DatasetEntry` and its ``dataset.json``.

``dataset.json`` holds counts, field names and the content fingerprint only: never a
record value, and never the input path (file names can carry patient names).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import MedsumError
from core.naming import check_name as check_store_name

__all__ = ["DatasetError", "DatasetEntry", "ENTRY_FILE", "DATA_DIR", "FORMAT", "check_name", "datasets_dir",
           "read_entry", "entry_json"]

ENTRY_FILE = "dataset.json"
#: The Arrow ``DatasetDict`` (``save_to_disk`` layout) inside a dataset's directory.
DATA_DIR = "data"
FORMAT = 1


class DatasetError(MedsumError):
    """A dataset is missing, already exists, was changed on disk, or cannot be built."""


@dataclass(frozen=True)
class DatasetEntry:
    """One de-identified dataset in the workspace: its fingerprint, counts and settings."""

    name: str
    fingerprint: str
    records: int
    splits: dict[str, int]
    patients: dict[str, int]
    input_fields: list[str] | None
    target_field: str
    strategy: str
    phi_found: int
    residual: int
    skipped: int
    created_at: str
    path: Path


def datasets_dir(root: Path) -> Path:
    """The workspace directory that holds every dataset."""
    return Path(root) / "datasets"


def check_name(name: str) -> str:
    """Return ``name`` if it is a valid dataset name (see :func:`core.naming.check_name`), else raise."""
    return check_store_name(name, "dataset", DatasetError)


def entry_json(entry: DatasetEntry) -> dict[str, Any]:
    """The entry as stored in ``dataset.json`` (the path is where the file is, so it is not stored)."""
    return {
        "format": FORMAT,
        "name": entry.name,
        "fingerprint": entry.fingerprint,
        "records": entry.records,
        "splits": dict(entry.splits),
        "patients": dict(entry.patients),
        "input_fields": list(entry.input_fields) if entry.input_fields is not None else None,
        "target_field": entry.target_field,
        "strategy": entry.strategy,
        "phi_found": entry.phi_found,
        "residual": entry.residual,
        "skipped": entry.skipped,
        "created_at": entry.created_at,
    }


def read_entry(path: Path) -> DatasetEntry:
    """Read the entry of the dataset stored in directory ``path``; raise :class:`DatasetError` if unreadable."""
    file = path / ENTRY_FILE
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown format {data.get('format')!r}")
        return DatasetEntry(
            name=str(data["name"]),
            fingerprint=str(data["fingerprint"]),
            records=int(data["records"]),
            splits={str(k): int(v) for k, v in data["splits"].items()},
            patients={str(k): int(v) for k, v in data["patients"].items()},
            input_fields=None if data["input_fields"] is None else [str(f) for f in data["input_fields"]],
            target_field=str(data["target_field"]),
            strategy=str(data["strategy"]),
            phi_found=int(data["phi_found"]),
            residual=int(data["residual"]),
            skipped=int(data["skipped"]),
            created_at=str(data["created_at"]),
            path=path,
        )
    except FileNotFoundError:
        raise DatasetError(f"dataset {path.name!r}: {file} is missing") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise DatasetError(f"dataset {path.name!r}: {file} is unreadable ({reason})") from None
