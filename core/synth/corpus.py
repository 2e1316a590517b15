"""The generated corpus and writing it as JSON Lines, atomically."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.atomic import atomic_writer
from core.synth.spans import GoldSpan

__all__ = ["SyntheticCorpus", "write_corpus", "write_jsonl"]


@dataclass(frozen=True)
class SyntheticCorpus:
    """Synthetic records and the gold PHI spans inside them.

    ``summary_sources`` holds, for each record in order, its reference summary's sentences
    with the fields each was written from (gold for provenance); it is never written out.
    """

    records: list[dict[str, Any]]
    gold: list[GoldSpan]
    summary_sources: list[list[tuple[str, frozenset[str]]]] = field(default_factory=list)


def write_jsonl(rows: Iterable[dict[str, Any]], path: Path) -> None:
    """Write one JSON object per line (UTF-8, ``ensure_ascii=False``), atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_writer(path) as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False))
            handle.write("\n")


def write_corpus(corpus: SyntheticCorpus, out: Path, gold: Path | None) -> None:
    """Write the records to ``out`` and, when ``gold`` is given, the gold spans there.

    Both are JSON Lines; each file is written atomically.
    """
    write_jsonl(corpus.records, Path(out))
    if gold is not None:
        write_jsonl((span.to_json() for span in corpus.gold), Path(gold))
