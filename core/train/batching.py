"""Tokenized examples, length-grouped batch order, and dynamic padding.

Batches are drawn in an order fixed by the seed and the epoch, so a resumed run can skip to
the exact batch where it stopped: the data position is ``(epoch, batch index)``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

__all__ = ["Encoded", "batch_order", "collate", "encode_pairs"]

_MEGABATCH = 50  # batches per length-sorted group: similar lengths share a batch, order stays random


@dataclass
class Encoded:
    """Token ids of a split's sources and targets, after truncation, and how many were cut."""

    input_ids: list[list[int]]
    labels: list[list[int]]
    truncated_sources: int = 0
    truncated_targets: int = 0

    def __len__(self) -> int:
        return len(self.input_ids)

    def lengths(self) -> list[int]:
        """Source plus target length of each example, the cost that batches are grouped by."""
        return [len(s) + len(t) for s, t in zip(self.input_ids, self.labels, strict=True)]


def _truncate(rows: list[list[int]], limit: int) -> tuple[list[list[int]], int]:
    """Cut rows to ``limit`` tokens, keeping each row's closing special token (``</s>``)."""
    cut = 0
    out = []
    for ids in rows:
        if len(ids) > limit:
            ids = ids[: limit - 1] + ids[-1:]
            cut += 1
        out.append(ids)
    return out, cut


def encode_pairs(tokenizer: Any, sources: Sequence[str], targets: Sequence[str], *, max_source_len: int,
                 max_target_len: int) -> Encoded:
    """Tokenize source/target pairs and truncate them, counting the truncated ones."""
    if len(sources) != len(targets):
        raise ValueError("sources and targets differ in length")
    if not sources:
        return Encoded([], [])
    src = tokenizer(list(sources), add_special_tokens=True)["input_ids"]
    tgt = tokenizer(text_target=list(targets), add_special_tokens=True)["input_ids"]
    src, cut_src = _truncate([list(r) for r in src], max_source_len)
    tgt, cut_tgt = _truncate([list(r) for r in tgt], max_target_len)
    return Encoded(src, tgt, cut_src, cut_tgt)


def batch_order(lengths: Sequence[int], batch_size: int, *, seed: int, epoch: int) -> list[list[int]]:
    """The epoch's batches as lists of example indices: shuffled, then grouped by length.

    Examples are shuffled, cut into groups of ``50 * batch_size``, each group sorted by
    length and cut into batches (little padding), and the batches shuffled again.
    """
    rng = random.Random(f"{seed}:{epoch}")
    order = list(range(len(lengths)))
    rng.shuffle(order)
    batches: list[list[int]] = []
    group = batch_size * _MEGABATCH
    for start in range(0, len(order), group):
        chunk = sorted(order[start:start + group], key=lambda i: -lengths[i])
        batches += [chunk[k:k + batch_size] for k in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def collate(encoded: Encoded, indices: Sequence[int], pad_id: int) -> dict[str, torch.Tensor]:
    """Pad one batch to its own longest row: inputs with ``pad_id``, labels with -100 (ignored)."""
    rows = [encoded.input_ids[i] for i in indices]
    labels = [encoded.labels[i] for i in indices]
    width = max(len(r) for r in rows)
    label_width = max(len(r) for r in labels)
    input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(rows), width), dtype=torch.long)
    label_ids = torch.full((len(rows), label_width), -100, dtype=torch.long)
    for n, (row, lab) in enumerate(zip(rows, labels, strict=True)):
        input_ids[n, : len(row)] = torch.tensor(row, dtype=torch.long)
        attention[n, : len(row)] = 1
        label_ids[n, : len(lab)] = torch.tensor(lab, dtype=torch.long)
    return {"input_ids": input_ids, "attention_mask": attention, "labels": label_ids}
