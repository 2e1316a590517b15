"""Truncation counts, the length-grouped batch order and dynamic padding."""

from __future__ import annotations

import torch

from core.train.batching import Encoded, _truncate, batch_order, collate


def test_truncation_keeps_the_closing_token_and_counts_cut_rows() -> None:
    rows, cut = _truncate([[0, 5, 6, 7, 8, 2], [0, 5, 2]], 4)
    assert rows == [[0, 5, 6, 2], [0, 5, 2]]
    assert cut == 1


def test_batch_order_covers_every_example_once_and_is_fixed_by_seed_and_epoch() -> None:
    lengths = [(i * 7) % 23 + 1 for i in range(203)]
    first = batch_order(lengths, 8, seed=3, epoch=0)
    assert sorted(i for b in first for i in b) == list(range(203))
    assert all(len(b) <= 8 for b in first)
    assert first == batch_order(lengths, 8, seed=3, epoch=0)
    assert first != batch_order(lengths, 8, seed=3, epoch=1)
    assert first != batch_order(lengths, 8, seed=4, epoch=0)


def test_batches_group_similar_lengths() -> None:
    lengths = [(i * 37) % 100 + 1 for i in range(400)]
    batches = batch_order(lengths, 8, seed=0, epoch=0)
    spread = sum(max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in batches) / len(batches)
    assert spread < 10  # random batches of 8 from 1..100 would spread about 75


def test_collate_pads_to_the_longest_row_of_the_batch() -> None:
    enc = Encoded([[0, 5, 2], [0, 5, 6, 7, 2]], [[0, 9, 2], [0, 2]])
    batch = collate(enc, [0, 1], pad_id=1)
    assert batch["input_ids"].tolist() == [[0, 5, 2, 1, 1], [0, 5, 6, 7, 2]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]
    assert batch["labels"].tolist() == [[0, 9, 2], [0, 2, -100]]
    assert batch["labels"].dtype == torch.long
