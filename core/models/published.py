"""Configs of published checkpoints, written from their hyperparameters (nothing downloaded).

For random-init models of the real size (benchmarks); their weights are not available here.
"""

from __future__ import annotations

from typing import Any

from core.models.entry import ModelError

__all__ = ["PUBLISHED", "published_config"]

#: Architecture hyperparameters of the published config.json files.
PUBLISHED: dict[str, tuple[str, dict[str, Any]]] = {
    # google/flan-t5-small (T5 v1.1: gated-GELU feed-forward, untied LM head)
    "flan-t5-small": ("t5", {
        "vocab_size": 32128, "d_model": 512, "d_kv": 64, "d_ff": 1024, "num_layers": 8,
        "num_decoder_layers": 8, "num_heads": 6, "relative_attention_num_buckets": 32,
        "relative_attention_max_distance": 128, "dropout_rate": 0.1, "layer_norm_epsilon": 1e-6,
        "initializer_factor": 1.0, "feed_forward_proj": "gated-gelu", "tie_word_embeddings": False,
        "is_encoder_decoder": True, "use_cache": True, "pad_token_id": 0, "eos_token_id": 1,
        "decoder_start_token_id": 0,
    }),
    # sshleifer/distilbart-cnn-12-6 (BART-large encoder, 6 of its 12 decoder layers)
    "distilbart-cnn-12-6": ("bart", {
        "vocab_size": 50264, "max_position_embeddings": 1024, "d_model": 1024, "encoder_layers": 12,
        "decoder_layers": 6, "encoder_attention_heads": 16, "decoder_attention_heads": 16,
        "encoder_ffn_dim": 4096, "decoder_ffn_dim": 4096, "activation_function": "gelu", "dropout": 0.1,
        "attention_dropout": 0.0, "activation_dropout": 0.0, "encoder_layerdrop": 0.0,
        "decoder_layerdrop": 0.0, "init_std": 0.02, "scale_embedding": False, "classifier_dropout": 0.0,
        "is_encoder_decoder": True, "use_cache": True, "pad_token_id": 1, "bos_token_id": 0,
        "eos_token_id": 2, "decoder_start_token_id": 2, "forced_eos_token_id": 2,
    }),
}


def published_config(name: str) -> Any:
    """The ``PretrainedConfig`` of ``"flan-t5-small"`` or ``"distilbart-cnn-12-6"``, for random init only.

    Note: transformers 5 always ties T5's LM head to the shared embedding, so a model built
    from the flan-t5-small config has 60.5M parameters rather than the published 77M.
    """
    if name not in PUBLISHED:
        raise ModelError(f"unknown published config {name!r}: use {' or '.join(PUBLISHED)}", exit_code=2)
    family, values = PUBLISHED[name]
    from transformers import BartConfig, T5Config

    cls = BartConfig if family == "bart" else T5Config
    config = cls(**values)
    config.architectures = ["BartForConditionalGeneration" if family == "bart" else "T5ForConditionalGeneration"]
    return config
