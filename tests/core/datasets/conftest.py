"""Fixtures for dataset tests: an initialized workspace, a synthetic corpus with fake PHI,
and a tiny tokenizer built locally with ``tokenizers``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.synth import generate_corpus, write_corpus
from core.workspace import Workspace, init_workspace, resolve_workspace

CORPUS_N = 60
CORPUS_SEED = 11


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A fresh initialized workspace."""
    opened, _ = init_workspace(resolve_workspace(tmp_path / "ws"))
    return opened


@pytest.fixture(scope="session")
def corpus_records() -> list[dict[str, Any]]:
    """The synthetic records (fake PHI) every dataset test imports."""
    return generate_corpus(CORPUS_N, CORPUS_SEED).records


@pytest.fixture
def corpus_file(tmp_path: Path) -> Path:
    """The synthetic corpus as JSON Lines, outside the workspace."""
    path = tmp_path / "input" / "raw.jsonl"
    write_corpus(generate_corpus(CORPUS_N, CORPUS_SEED), path, None)
    return path


def build_tiny_tokenizer() -> Any:
    """A whitespace word-level tokenizer with an end-of-sequence token, as a transformers tokenizer."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator(
        ["the patient presented with pain", "follow up in one week", "diagnosis hypertension"],
        trainers.WordLevelTrainer(special_tokens=["[PAD]", "[UNK]", "</s>"]),
    )
    tok.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", tok.token_to_id("</s>"))])
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", eos_token="</s>")


@pytest.fixture(scope="session")
def tiny_tokenizer() -> Any:
    """A tiny tokenizer: one token per whitespace/punctuation piece, plus ``</s>``."""
    return build_tiny_tokenizer()
