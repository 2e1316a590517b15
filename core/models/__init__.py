"""The model store and tiny models.

Seq2seq BART and T5 family checkpoints live in ``WORKSPACE/models/NAME/`` with a SHA-256
manifest; they are imported from local directories only, load with ``local_files_only`` and
never with remote code, and from safetensors unless pickle weights were explicitly allowed.
Tiny random-init models with locally trained tokenizers serve demos and tests. Hugging Face
libraries are imported only inside the functions that need them.
"""

from core.models.arch import lora_targets
from core.models.entry import ModelEntry, ModelError
from core.models.published import published_config
from core.models.store import (
    get_model,
    import_model,
    list_models,
    load_model,
    load_tokenizer,
    verify_model,
)
from core.models.tiny import init_tiny

__all__ = [
    "ModelEntry",
    "ModelError",
    "get_model",
    "import_model",
    "init_tiny",
    "list_models",
    "load_model",
    "load_tokenizer",
    "lora_targets",
    "published_config",
    "verify_model",
]
