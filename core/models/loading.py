"""Load a checkpoint directory with transformers: local files only, never remote code."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["count_parameters", "load_model_dir", "load_tokenizer_dir", "quiet_progress"]


@contextmanager
def quiet_progress() -> Iterator[None]:
    """Hide transformers' per-file progress bars (weight loading and saving) for the block."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


def load_tokenizer_dir(path: Path) -> Any:
    """The tokenizer stored in ``path``, from local files only (no hub, no remote code)."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(path), local_files_only=True)


def load_model_dir(path: Path, architecture: str, allow_pickle: bool) -> Any:
    """The model stored in ``path`` as ``architecture`` (a transformers class name), in float32.

    Loads from local files only, never with remote code, and from safetensors only unless
    ``allow_pickle`` (the entry accepted pickle weights).
    """
    import torch
    import transformers

    from core.models.arch import SUPPORTED

    if architecture not in {info.architecture for info in SUPPORTED.values()}:
        raise ValueError(f"architecture {architecture!r} is not a supported seq2seq class")
    cls = getattr(transformers, architecture)
    with quiet_progress():
        kwargs: dict[str, Any] = {"local_files_only": True, "dtype": torch.float32}
        if not allow_pickle:
            kwargs["use_safetensors"] = True
        return cls.from_pretrained(str(path), **kwargs)


def count_parameters(model: Any) -> int:
    """Number of distinct parameters (tied weights counted once)."""
    return sum(p.numel() for p in model.parameters())
