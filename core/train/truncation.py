"""How many training targets (reference summaries) the target length cuts, counted before a
run with the model's tokenizer only: the pre-flight shows it, so the length can be raised first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.train.config import TrainConfig

__all__ = ["TargetTruncation", "count_long_targets", "target_truncation"]

_BATCH = 256


@dataclass(frozen=True)
class TargetTruncation:
    """``truncated`` of ``total`` training targets are longer than ``limit`` tokens."""

    truncated: int
    total: int
    limit: int

    def sentence(self) -> str:
        """The count in words, as the TUI's plan and ``medsum train --plan`` show it."""
        if not self.truncated:
            return f"Targets: none of the {self.total} training targets is longer than the target length {self.limit}."
        return (f"Targets: {self.truncated} of {self.total} training targets are longer than the target length "
                f"{self.limit} and will be truncated (raise the target length to keep them whole).")


def count_long_targets(tokenizer: Any, targets: Sequence[str], limit: int) -> int:
    """How many of ``targets`` tokenize (as labels, special tokens included) to more than ``limit``
    tokens: exactly the ones :func:`core.train.batching.encode_pairs` truncates."""
    cut = 0
    for start in range(0, len(targets), _BATCH):
        ids = tokenizer(text_target=list(targets[start:start + _BATCH]), add_special_tokens=True)["input_ids"]
        cut += sum(len(row) > limit for row in ids)
    return cut


def target_truncation(root: Path, config: TrainConfig) -> TargetTruncation:
    """The truncation ``config``'s run will make of its dataset's training targets (loads the
    model's tokenizer, not the model)."""
    from core.datasets import load_splits
    from core.models import load_tokenizer

    targets = load_splits(root, config.dataset)["train"]["target"]
    tokenizer = load_tokenizer(root, config.model)
    return TargetTruncation(count_long_targets(tokenizer, targets, config.max_target_len), len(targets),
                            config.max_target_len)
