"""Train a small tokenizer locally with ``tokenizers``: byte-level BPE (BART) or Unigram (T5)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["BART_SPECIALS", "T5_SPECIALS", "train_tokenizer"]

#: In id order: BART/RoBERTa ids <s>=0 <pad>=1 </s>=2 <unk>=3; <mask>=4 (last in the originals).
BART_SPECIALS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")
#: In id order: T5 ids <pad>=0 </s>=1 <unk>=2 (no sentinel tokens: not needed for fine-tuning).
T5_SPECIALS = ("<pad>", "</s>", "<unk>")


def _bart(texts: Iterable[str], vocab_size: int) -> Any:
    from tokenizers import (
        Tokenizer,
        decoders,
        models,
        pre_tokenizers,
        processors,
        trainers,
    )

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, min_frequency=2, special_tokens=list(BART_SPECIALS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False,
    )
    tok.train_from_iterator(texts, trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", tok.token_to_id("<s>")), ("</s>", tok.token_to_id("</s>"))],
    )
    return tok


def _t5(texts: Iterable[str], vocab_size: int) -> Any:
    from tokenizers import (
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
        trainers,
    )

    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")]
    )
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    trainer = trainers.UnigramTrainer(
        vocab_size=vocab_size, special_tokens=list(T5_SPECIALS), unk_token="<unk>", show_progress=False,
    )
    tok.train_from_iterator(texts, trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", tok.token_to_id("</s>"))],
    )
    return tok


def train_tokenizer(arch: str, texts: Iterable[str], vocab_size: int, model_max_length: int) -> Any:
    """A transformers fast tokenizer trained on ``texts``: byte-level BPE for ``"bart"``, Unigram for ``"t5"``.

    Special tokens take the ids the architectures expect (see BART_SPECIALS / T5_SPECIALS); the
    vocabulary may come out smaller than ``vocab_size`` on a small corpus.
    """
    from transformers import PreTrainedTokenizerFast

    if arch == "bart":
        return PreTrainedTokenizerFast(
            tokenizer_object=_bart(texts, vocab_size), bos_token="<s>", eos_token="</s>", pad_token="<pad>",
            unk_token="<unk>", mask_token="<mask>", cls_token="<s>", sep_token="</s>",
            model_max_length=model_max_length,
        )
    if arch == "t5":
        return PreTrainedTokenizerFast(
            tokenizer_object=_t5(texts, vocab_size), eos_token="</s>", pad_token="<pad>", unk_token="<unk>",
            model_max_length=model_max_length,
        )
    raise ValueError(f"unknown arch {arch!r}")
