"""Tiny random-init models, their tokenizers, published configs and LoRA targets."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from core.models import (
    ModelError,
    init_tiny,
    load_model,
    lora_targets,
    published_config,
)
from tests.core.models.helpers import store_contents

_TEXTS = [
    "Patient reports fever and productive cough for three days.",
    "Blood pressure 120/80, heart rate 88, temperature 38.4 C.",
    "Plan: amoxicillin 500 mg three times daily; follow up in one week.",
    "Summary: community acquired pneumonia treated with oral antibiotics.",
] * 5


@pytest.mark.parametrize("arch", ["bart", "t5"])
def test_tiny_model_trains_and_generates(root: Path, arch: str) -> None:
    entry = init_tiny(root, arch, f"tiny-{arch}", _TEXTS, seed=3)
    assert entry.source == "init-tiny" and entry.family == arch and entry.parameters < 3_000_000
    model, tokenizer, loaded = load_model(root, entry.name)
    assert loaded == entry
    config = model.config
    assert config.d_model == 128 and config.vocab_size == len(tokenizer)
    if arch == "bart":
        assert (tokenizer.bos_token_id, tokenizer.pad_token_id, tokenizer.eos_token_id) == (0, 1, 2)
        assert tokenizer.mask_token == "<mask>" and config.decoder_start_token_id == 2
    else:
        assert (tokenizer.pad_token_id, tokenizer.eos_token_id, tokenizer.unk_token_id) == (0, 1, 2)
        assert config.decoder_start_token_id == 0
    assert config.pad_token_id == tokenizer.pad_token_id and config.eos_token_id == tokenizer.eos_token_id
    batch = tokenizer(_TEXTS[:2], return_tensors="pt", padding=True)
    labels = tokenizer(text_target=_TEXTS[2:4], return_tensors="pt", padding=True)["input_ids"]
    assert labels[0, -1].item() == tokenizer.eos_token_id or tokenizer.eos_token_id in labels[0].tolist()
    labels[labels == tokenizer.pad_token_id] = -100
    model.train()
    loss = model(**batch, labels=labels).loss
    assert math.isfinite(loss.item())
    loss.backward()
    model.eval()
    assert model.generation_config.max_length == 64 and model.generation_config.num_beams == 1
    out = model.generate(**batch, max_new_tokens=6)
    assert out.shape[0] == 2 and out.shape[1] <= 7
    text = "fever and cough"
    assert tokenizer.decode(tokenizer(text)["input_ids"], skip_special_tokens=True).strip() == text
    assert model.config.to_dict().get("dropout", model.config.to_dict().get("dropout_rate")) == 0.0


@pytest.mark.parametrize("arch", ["bart", "t5"])
def test_tiny_tokenizers_keep_frequent_words_and_numbers_whole(root: Path, arch: str) -> None:
    """Both tokenizers are byte-level BPE: a frequent word or number is one token, so sequences
    stay short (T5's Unigram trainer split "with" into "w" + "ith" and doubled them)."""
    _, tokenizer, _ = load_model(root, init_tiny(root, arch, f"tok-{arch}", _TEXTS, seed=3).name)
    pieces = tokenizer.convert_ids_to_tokens(tokenizer("Patient reports fever and cough, 500 mg.",
                                                       add_special_tokens=False)["input_ids"])
    assert pieces == ["Patient", "Ġreports", "Ġfever", "Ġand", "Ġcough", ",", "Ġ500", "Ġmg", "."]


def test_default_corpus_is_synthetic_and_seeded(root: Path) -> None:
    entry = init_tiny(root, "t5", "default")
    assert entry.parameters > 0 and store_contents(root) == ["default"]


def test_init_tiny_refusals(root: Path) -> None:
    with pytest.raises(ModelError, match="unknown tiny architecture 'gpt2'"):
        init_tiny(root, "gpt2", "x", _TEXTS)
    with pytest.raises(ModelError, match="no text"):
        init_tiny(root, "bart", "x", ["", "   "])
    with pytest.raises(ModelError, match="invalid model name"):
        init_tiny(root, "bart", "a/b", _TEXTS)
    init_tiny(root, "bart", "x", _TEXTS)
    with pytest.raises(ModelError, match="already exists"):
        init_tiny(root, "t5", "x", _TEXTS)
    assert store_contents(root) == ["x"]


def test_published_configs() -> None:
    t5 = published_config("flan-t5-small")
    assert (t5.model_type, t5.d_model, t5.d_ff, t5.d_kv, t5.num_layers, t5.num_decoder_layers, t5.num_heads,
            t5.vocab_size) == ("t5", 512, 1024, 64, 8, 8, 6, 32128)
    assert t5.feed_forward_proj == "gated-gelu" and t5.is_gated_act
    assert (t5.decoder_start_token_id, t5.pad_token_id, t5.eos_token_id) == (0, 0, 1)
    assert t5.relative_attention_num_buckets == 32 and t5.layer_norm_epsilon == 1e-6 and t5.dropout_rate == 0.1
    bart = published_config("distilbart-cnn-12-6")
    assert (bart.model_type, bart.d_model, bart.encoder_layers, bart.decoder_layers, bart.encoder_attention_heads,
            bart.encoder_ffn_dim, bart.vocab_size, bart.max_position_embeddings) == (
        "bart", 1024, 12, 6, 16, 4096, 50264, 1024)
    assert bart.activation_function == "gelu" and bart.decoder_start_token_id == 2
    with pytest.raises(ModelError, match="unknown published config"):
        published_config("gpt2")


def test_published_distilbart_parameter_count() -> None:
    import torch
    from transformers import BartForConditionalGeneration

    with torch.device("meta"):
        model = BartForConditionalGeneration(published_config("distilbart-cnn-12-6"))
    assert sum(p.numel() for p in model.parameters()) == 305_510_400  # the published model's size


def test_lora_targets() -> None:
    assert lora_targets("bart") == ["q_proj", "v_proj"]
    assert lora_targets("t5") == ["q", "v"]
    with pytest.raises(ModelError):
        lora_targets("gpt2")
