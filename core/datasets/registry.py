"""Find the datasets stored in a workspace and load their splits, checking the fingerprint."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from core.datasets.entry import DATA_DIR, ENTRY_FILE, DatasetEntry, DatasetError, check_name, datasets_dir, read_entry
from core.datasets.fingerprint import COLUMNS, fingerprint_splits
from core.records import SPLITS
from core.recorded import recorded_datasets, why_unusable

if TYPE_CHECKING:
    import datasets

__all__ = ["list_datasets", "get_dataset", "load_splits"]

_log = logging.getLogger(__name__)


def list_datasets(root: Path) -> list[DatasetEntry]:
    """Every usable dataset in the workspace at ``root``, by name. Unreadable entries are logged
    and left out, and so are datasets the privacy ledger does not record (see :mod:`core.recorded`)."""
    parent = datasets_dir(root)
    if not parent.is_dir():
        return []
    entries = []
    for path in sorted(parent.iterdir()):
        if path.name.startswith(".") or not path.is_dir() or not (path / ENTRY_FILE).is_file():
            continue  # temporary directories of imports in progress, stray files
        try:
            entries.append(read_entry(path))
        except DatasetError as exc:
            _log.warning("%s", exc)
    recorded = recorded_datasets(root) if entries else {}
    return [e for e in entries if recorded.get(e.path.name) == e.fingerprint]


def get_dataset(root: Path, name: str) -> DatasetEntry:
    """The entry of dataset ``name``; raise :class:`DatasetError` if there is none, or if the
    privacy ledger does not record it (see :mod:`core.recorded`)."""
    check_name(name)
    path = datasets_dir(root) / name
    if not (path / ENTRY_FILE).is_file():
        raise DatasetError(f"no dataset named {name!r} in this workspace (medsum data list shows them)")
    entry = read_entry(path)
    if recorded_datasets(root).get(name) != entry.fingerprint:
        raise DatasetError(why_unusable("dataset", name, root))
    return entry


def load_splits(root: Path, name: str) -> datasets.DatasetDict:
    """Load dataset ``name`` as a ``DatasetDict`` (train, validation, test; columns id, source,
    target, patient) after checking that its content still matches the registered fingerprint."""
    import datasets

    entry = get_dataset(root, name)
    try:
        table = datasets.load_from_disk(str(entry.path / DATA_DIR))
    except Exception as exc:  # noqa: BLE001  (a missing or damaged Arrow file raises many types)
        raise DatasetError(f"dataset {name!r}: its stored data cannot be read ({type(exc).__name__}); "
                           "import it again under a new name") from None
    if not isinstance(table, datasets.DatasetDict) or set(table) != set(SPLITS) or any(
        list(table[s].column_names) != list(COLUMNS) for s in SPLITS
    ):
        raise DatasetError(f"dataset {name!r}: its stored splits or columns have changed since import")
    if fingerprint_splits(table, SPLITS) != entry.fingerprint:
        raise DatasetError(f"dataset {name!r}: its content no longer matches the fingerprint registered at import "
                           "(the files were changed)")
    return datasets.DatasetDict({s: table[s] for s in SPLITS})
