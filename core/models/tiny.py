"""Tiny random-init BART and T5 models with locally trained tokenizers, for demos and tests.

Small enough that a few hundred training steps on CPU are practical; built in a temporary
directory and stored through :func:`core.models.store.import_model`, so they load exactly
like imported checkpoints.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from core.models.entry import ModelEntry, ModelError, check_name
from core.models.loading import quiet_progress
from core.models.store import import_model, models_dir, temp_dir
from core.models.tokenizer_train import train_tokenizer

__all__ = ["TINY_ARCHS", "TINY_MAX_LENGTH", "TINY_VOCAB", "init_tiny", "synthetic_texts", "tiny_config"]

TINY_ARCHS = ("bart", "t5")
TINY_VOCAB = 3000
TINY_MAX_POSITIONS = 1024  # BART's learned positions; T5's are relative
TINY_MAX_LENGTH = 64  # default generation length
_SYNTH_RECORDS = 300


def synthetic_texts(n: int = _SYNTH_RECORDS, seed: int = 0) -> list[str]:
    """Model inputs and reference summaries of ``n`` synthetic records, as tokenizer training text."""
    from core.config import MedsumConfig
    from core.records import model_input, target_text
    from core.synth import generate_corpus

    config = MedsumConfig().records
    texts: list[str] = []
    for record in generate_corpus(n, seed).records:
        texts.append(model_input(record, config))
        target = target_text(record, config)
        if target:
            texts.append(target)
    return texts


def tiny_config(arch: str, tokenizer: Any) -> Any:
    """A small BART or T5 config (d_model 128, 2+2 layers, 4 heads, FFN 256) sized to ``tokenizer``.

    Pad, EOS and decoder-start ids come from the tokenizer, so ``generate`` and the loss with
    ``labels`` work. Dropout is off: a model this small, trained for minutes, underfits, and
    with dropout 0.1 its decoder settled into writing a fluent template while ignoring the
    encoder (the loss with a shuffled source matched the loss with the right one).
    """
    from transformers import BartConfig, T5Config

    vocab = len(tokenizer)
    if arch == "bart":
        eos = tokenizer.eos_token_id
        return BartConfig(
            vocab_size=vocab, max_position_embeddings=TINY_MAX_POSITIONS, d_model=128,
            encoder_layers=2, decoder_layers=2, encoder_attention_heads=4, decoder_attention_heads=4,
            encoder_ffn_dim=256, decoder_ffn_dim=256, activation_function="gelu", dropout=0.0,
            pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id, eos_token_id=eos,
            decoder_start_token_id=eos, forced_eos_token_id=eos, is_encoder_decoder=True,
            architectures=["BartForConditionalGeneration"],
        )
    if arch == "t5":
        return T5Config(
            vocab_size=vocab, d_model=128, d_kv=32, d_ff=256, num_layers=2, num_decoder_layers=2,
            num_heads=4, feed_forward_proj="gated-gelu", dropout_rate=0.0,
            pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
            decoder_start_token_id=tokenizer.pad_token_id, is_encoder_decoder=True,
            architectures=["T5ForConditionalGeneration"],
        )
    raise ModelError(f"unknown tiny architecture {arch!r}: use bart or t5", exit_code=2)


def init_tiny(root: Path, arch: str, name: str, texts: Iterable[str] | None = None, *,
              seed: int = 0) -> ModelEntry:
    """Build a tiny random-init ``arch`` ("bart" or "t5") model and store it as ``name``.

    The tokenizer is trained on ``texts`` (default: a synthetic corpus from ``seed``); the
    weights are random from ``seed``. Stored via ``import_model(..., source="init-tiny")``.
    """
    import torch

    if arch not in TINY_ARCHS:
        raise ModelError(f"unknown tiny architecture {arch!r}: use bart or t5", exit_code=2)
    check_name(name)
    if (models_dir(root) / name).exists():
        raise ModelError(f"model {name} already exists in the store: choose another --name")
    corpus = [t for t in (synthetic_texts(seed=seed) if texts is None else texts) if isinstance(t, str) and t.strip()]
    if not corpus:
        raise ModelError(f"model {name}: no text to train the tokenizer on")
    tokenizer = train_tokenizer(arch, corpus, TINY_VOCAB, TINY_MAX_POSITIONS if arch == "bart" else 512)
    config = tiny_config(arch, tokenizer)
    from transformers import BartForConditionalGeneration, T5ForConditionalGeneration

    torch.manual_seed(seed)
    model = (BartForConditionalGeneration if arch == "bart" else T5ForConditionalGeneration)(config)
    generation = model.generation_config
    generation.max_length = TINY_MAX_LENGTH
    generation.num_beams = 1
    generation.do_sample = False
    generation.pad_token_id = config.pad_token_id
    generation.eos_token_id = config.eos_token_id
    generation.decoder_start_token_id = config.decoder_start_token_id
    build = temp_dir(root, f"tiny-{name}")
    try:
        tokenizer.save_pretrained(str(build))
        with quiet_progress():
            model.save_pretrained(str(build))
        return import_model(root, build, name, source="init-tiny")
    finally:
        shutil.rmtree(build, ignore_errors=True)
