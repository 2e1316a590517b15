"""Import what generating a summary needs, ahead of the first summary.

torch, transformers (with the model classes of every supported architecture and the
tokenizer classes), peft and the generation code take seconds to import on a small CPU, far
longer than loading a tiny model. :func:`import_generation_stack` imports them all, so that a
caller can do it early, or in a background thread while a user reads the first screen.

Python's per-module import locks make it safe to call from a thread while another thread
imports some of the same modules: the second one waits for the first to finish each module.
"""

from __future__ import annotations

import importlib

__all__ = ["GENERATION_MODULES", "import_generation_stack"]

#: The modules a summary imports, in the order they are imported here.
GENERATION_MODULES: tuple[str, ...] = (
    "torch",
    "transformers",
    "transformers.generation.utils",
    "peft",
    "core.models.loading",
    "core.generation.loading",
)


def import_generation_stack() -> None:
    """Import torch, transformers, the supported seq2seq model and tokenizer classes, peft and
    :mod:`core.generation`'s loaders; a no-op once they are imported."""
    import core  # noqa: F401  (offline mode before any Hugging Face import)
    from core.models.arch import SUPPORTED

    for name in GENERATION_MODULES:
        importlib.import_module(name)
    import transformers

    # transformers imports a model's module on first attribute access (the costly part).
    for architecture in sorted({info.architecture for info in SUPPORTED.values()}):
        getattr(transformers, architecture)
    for tokenizer in ("AutoTokenizer", "T5TokenizerFast", "BartTokenizerFast", "PreTrainedTokenizerFast"):
        getattr(transformers, tokenizer, None)  # names differ between transformers versions
