"""Split records 80/10/10 into train, validation and test by patient, deterministically.

Patients are ordered by a hash of the salt and their patient key (so the order reveals
nothing and does not depend on file order), then each patient goes, with all their records, to the split furthest below
its target share of records. The same records and salt always give the same split, and a
patient's records never straddle two splits.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from core.config import SplitConfig
from core.records.validate import Record

__all__ = ["SPLITS", "SplitSizes", "split_by_patient", "split_sizes"]

SPLITS: tuple[str, ...] = ("train", "validation", "test")


@dataclass(frozen=True)
class SplitSizes:
    """How many records and patients one split holds."""

    records: int
    patients: int


def split_by_patient(records: Sequence[Record], config: SplitConfig) -> dict[str, list[Record]]:
    """Assign every record to ``train``, ``validation`` or ``test``, keeping patients whole.

    Records keep their input order within each split.
    """
    by_patient: dict[str, list[int]] = defaultdict(list)
    for i, record in enumerate(records):
        by_patient[record.patient_key].append(i)
    targets = {"train": config.train, "validation": config.validation, "test": config.test}
    total = len(records)
    assigned = {name: 0 for name in SPLITS}
    split_of: dict[str, str] = {}
    for key in sorted(by_patient, key=lambda k: hashlib.sha256(f"{config.salt}\x1f{k}".encode()).digest()):
        count = len(by_patient[key])
        # The split with the largest shortfall against its target takes the whole patient.
        name = max(SPLITS, key=lambda s: (targets[s] * total - assigned[s], -SPLITS.index(s)))
        split_of[key] = name
        assigned[name] += count
    result: dict[str, list[Record]] = {name: [] for name in SPLITS}
    for record in records:
        result[split_of[record.patient_key]].append(record)
    return result


def split_sizes(splits: dict[str, list[Record]]) -> dict[str, SplitSizes]:
    """Count the records and distinct patients of each split."""
    return {
        name: SplitSizes(len(rows), len({r.patient_key for r in rows}))
        for name, rows in splits.items()
    }
