"""The content fingerprint of a dataset: SHA-256 over its rows in a canonical form.

It depends only on the rows (split, id, source, target, patient, in split and row order),
never on how Arrow laid them out on disk, so the same input, settings and secret always
give the same fingerprint and any change to a stored row changes it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["COLUMNS", "fingerprint_rows", "fingerprint_splits"]

#: The columns of every split, in the order they are hashed.
COLUMNS: tuple[str, ...] = ("id", "source", "target", "patient")
_PREFIX = b"medsum-dataset-v1\n"


def fingerprint_rows(rows: Iterable[tuple[str, str, str, str, str]]) -> str:
    """SHA-256 hex of ``(split, id, source, target, patient)`` rows, one canonical JSON line each."""
    digest = hashlib.sha256(_PREFIX)
    for row in rows:
        digest.update(json.dumps(list(row), ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def fingerprint_splits(splits: Mapping[str, Any], order: Iterable[str]) -> str:
    """Fingerprint split tables given as column mappings (lists, or a ``datasets.Dataset``).

    ``order`` names the splits in the order they are hashed.
    """
    def rows() -> Iterable[tuple[str, str, str, str, str]]:
        for name in order:
            columns = [_column(splits[name], c) for c in COLUMNS]
            for values in zip(*columns, strict=True):
                yield (name, *values)

    return fingerprint_rows(rows())


def _column(table: Any, name: str) -> list[str]:
    data = getattr(table, "data", None)  # a datasets.Dataset: read its Arrow column directly
    if data is not None and hasattr(data, "column") and getattr(table, "_indices", None) is None:
        return data.column(name).to_pylist()
    return list(table[name])
