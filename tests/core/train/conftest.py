"""Tiny in-memory models and token data for the training-loop tests (no tokenizer needed)."""

from __future__ import annotations

import random

import pytest
import torch
from transformers import BartConfig, BartForConditionalGeneration, T5Config, T5ForConditionalGeneration

from core.train.batching import Encoded

VOCAB = 40
PAD, BOS, EOS = 1, 0, 2


def tiny_bart(seed: int = 0) -> BartForConditionalGeneration:
    """A one-layer BART small enough to train in a second."""
    torch.manual_seed(seed)
    config = BartConfig(vocab_size=VOCAB, d_model=32, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
                        decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64, max_position_embeddings=64,
                        pad_token_id=PAD, bos_token_id=BOS, eos_token_id=EOS, decoder_start_token_id=EOS)
    return BartForConditionalGeneration(config)


def tiny_t5(seed: int = 0, *, dropout: float = 0.1) -> T5ForConditionalGeneration:
    """A one-layer T5 (``dropout`` is T5's ``dropout_rate``)."""
    torch.manual_seed(seed)
    config = T5Config(vocab_size=VOCAB, d_model=32, d_kv=8, d_ff=64, num_layers=1, num_decoder_layers=1, num_heads=2,
                      pad_token_id=0, eos_token_id=1, decoder_start_token_id=0, dropout_rate=dropout)
    return T5ForConditionalGeneration(config)


def copy_task(n: int, seed: int) -> Encoded:
    """Targets are the first three source tokens: learnable in a few dozen steps."""
    rng = random.Random(seed)
    sources, targets = [], []
    for _ in range(n):
        body = [rng.randrange(3, VOCAB) for _ in range(rng.randrange(4, 12))]
        sources.append([BOS, *body, EOS])
        targets.append([BOS, *body[:3], EOS])
    return Encoded(sources, targets)


@pytest.fixture
def data() -> tuple[Encoded, Encoded]:
    """A train and a validation split of the copy task."""
    return copy_task(64, 1), copy_task(16, 2)
