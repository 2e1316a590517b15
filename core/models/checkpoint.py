"""Which files of a checkpoint directory the store takes: config, tokenizer and weights."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

from core.models.entry import ModelError

__all__ = ["TOKENIZER_SETS", "Selection", "select_files"]

CONFIG_FILES = ("config.json", "generation_config.json")
#: Any one of these sets is a usable tokenizer: the fast file, or a slow tokenizer's files.
TOKENIZER_SETS: tuple[tuple[str, ...], ...] = (
    ("tokenizer.json",),
    ("vocab.json", "merges.txt"),  # BART (byte-level BPE)
    ("spiece.model",),  # T5 / mT5 (SentencePiece)
)
TOKENIZER_EXTRAS = ("tokenizer_config.json", "special_tokens_map.json", "added_tokens.json")
SAFE_WEIGHTS = ("*.safetensors", "model.safetensors.index.json")
PICKLE_WEIGHTS = ("pytorch_model*.bin", "pytorch_model.bin.index.json")


@dataclass(frozen=True)
class Selection:
    """The files to copy (names relative to the checkpoint directory) and whether weights are pickles."""

    files: tuple[str, ...]
    pickle_weights: bool


def _matching(names: set[str], patterns: tuple[str, ...]) -> set[str]:
    return {n for n in names if any(fnmatch.fnmatchcase(n, p) for p in patterns)}


def select_files(src: Path, allow_pickle: bool) -> Selection:
    """Pick the files of checkpoint ``src`` the store copies, refusing an incomplete or unsafe one.

    Needs ``config.json``, a tokenizer (``tokenizer.json``, or ``vocab.json`` + ``merges.txt``,
    or ``spiece.model``) and weights. Weights come from ``*.safetensors``; ``pytorch_model*.bin``
    pickles are taken only when there are no safetensors and ``allow_pickle`` is set. Other
    files (TensorFlow/Flax weights, READMEs, optimizer state) are left behind.
    """
    names = {p.name for p in src.iterdir() if p.is_file()}
    tokenizer = [s for s in TOKENIZER_SETS if all(n in names for n in s)]
    if not tokenizer:
        raise ModelError(
            f"{src}: no tokenizer files (need tokenizer.json, or vocab.json and merges.txt, or spiece.model)"
        )
    safe = {n for n in _matching(names, SAFE_WEIGHTS) if n.endswith(".safetensors")}
    pickles = {n for n in _matching(names, PICKLE_WEIGHTS) if n.endswith(".bin")}
    if safe:
        weights = _matching(names, SAFE_WEIGHTS)
    elif pickles and allow_pickle:
        weights = _matching(names, PICKLE_WEIGHTS)
    elif pickles:
        raise ModelError(
            f"{src}: weights are pickle files ({', '.join(sorted(pickles))}), which can run code when loaded;"
            " convert them to safetensors, or pass --allow-pickle if you trust this checkpoint"
        )
    else:
        raise ModelError(f"{src}: no weights (need model.safetensors or sharded *.safetensors files)")
    chosen = {n for n in CONFIG_FILES if n in names} | {n for s in tokenizer for n in s}
    chosen |= {n for n in TOKENIZER_EXTRAS if n in names} | weights
    return Selection(tuple(sorted(chosen)), pickle_weights=not safe)
