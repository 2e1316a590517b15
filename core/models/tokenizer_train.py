"""Train a small tokenizer locally with ``tokenizers``: byte-level BPE, with BART's or T5's special tokens."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["BART_SPECIALS", "T5_SPECIALS", "train_tokenizer"]

#: In id order: BART/RoBERTa ids <s>=0 <pad>=1 </s>=2 <unk>=3; <mask>=4 (last in the originals).
BART_SPECIALS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")
#: In id order: T5 ids <pad>=0 </s>=1 <unk>=2 (no sentinel tokens: not needed for fine-tuning).
T5_SPECIALS = ("<pad>", "</s>", "<unk>")


def _byte_bpe(texts: Iterable[str], vocab_size: int, specials: tuple[str, ...], single: str, pair: str) -> Any:
    """A byte-level BPE (GPT-2 pre-tokenization: words, numbers and punctuation apart) with
    ``specials`` first, in id order, and the post-processor templates ``single`` and ``pair``."""
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
        vocab_size=vocab_size, min_frequency=2, special_tokens=list(specials),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False,
    )
    tok.train_from_iterator(texts, trainer)
    used = sorted({name for name in ("<s>", "</s>") if name in single + pair})
    tok.post_processor = processors.TemplateProcessing(
        single=single, pair=pair, special_tokens=[(name, tok.token_to_id(name)) for name in used],
    )
    return tok


def _bart(texts: Iterable[str], vocab_size: int) -> Any:
    return _byte_bpe(texts, vocab_size, BART_SPECIALS, "<s> $A </s>", "<s> $A </s> </s> $B </s>")


def _t5(texts: Iterable[str], vocab_size: int) -> Any:
    # Byte-level BPE rather than T5's SentencePiece Unigram: on a small corpus the Unigram
    # trainer stopped at 2,600 pieces and split common words ("w" + "ith"), doubling every
    # sequence; byte-level BPE keeps words and numbers whole, so sequences are half as long.
    return _byte_bpe(texts, vocab_size, T5_SPECIALS, "$A </s>", "$A </s> $B </s>")


def train_tokenizer(arch: str, texts: Iterable[str], vocab_size: int, model_max_length: int) -> Any:
    """A transformers fast tokenizer trained on ``texts``: byte-level BPE with the special tokens of
    ``"bart"`` or ``"t5"``.

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
