"""Length statistics of a dataset in tokens, for a chosen tokenizer."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.datasets.registry import load_splits
from core.records import SPLITS

__all__ = ["length_stats", "token_lengths", "summarize_lengths"]

_BATCH = 256
STAT_KEYS: tuple[str, ...] = ("min", "mean", "median", "p95", "max")


def token_lengths(texts: Sequence[str], tokenizer: Any) -> list[int]:
    """How many tokens the tokenizer makes of each text, special tokens included, never truncated."""
    lengths: list[int] = []
    for i in range(0, len(texts), _BATCH):
        encoded = tokenizer(list(texts[i:i + _BATCH]), truncation=False, add_special_tokens=True, verbose=False)
        lengths += [len(ids) for ids in encoded["input_ids"]]
    return lengths


def summarize_lengths(lengths: Sequence[int]) -> dict[str, float]:
    """min, mean, median, p95 (linear interpolation) and max of ``lengths``; all 0.0 when empty."""
    if not lengths:
        return dict.fromkeys(STAT_KEYS, 0.0)
    ordered = sorted(lengths)
    rank = 0.95 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    p95 = ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
    return {
        "min": float(ordered[0]),
        "mean": float(statistics.fmean(ordered)),
        "median": float(statistics.median(ordered)),
        "p95": float(p95),
        "max": float(ordered[-1]),
    }


def length_stats(root: Path, name: str, tokenizer: Any) -> dict[str, dict[str, dict[str, float]]]:
    """Token length statistics of dataset ``name``: split -> "source"/"target" -> min/mean/median/p95/max.

    ``tokenizer`` is any Hugging Face tokenizer; an empty split gives zeros.
    """
    table = load_splits(root, name)
    return {
        split: {column: summarize_lengths(token_lengths(table[split].data.column(column).to_pylist(), tokenizer))
                for column in ("source", "target")}
        for split in SPLITS
    }
