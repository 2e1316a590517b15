"""Summary generation: a seq2seq model from the store or a finished run, batched beam search,
and the record pipeline that de-identifies in memory and maps surrogates back for display.

Hugging Face libraries are imported only inside the functions that need them.
"""

from core.generation.loading import load_summarizer
from core.generation.pipeline import FidelityHook, summarize_records
from core.generation.settings import GenerationError, GenerationSettings
from core.generation.summarizer import Summarizer, pick_device

__all__ = [
    "FidelityHook",
    "GenerationError",
    "GenerationSettings",
    "Summarizer",
    "load_summarizer",
    "pick_device",
    "summarize_records",
]
