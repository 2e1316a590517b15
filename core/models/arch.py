"""Which checkpoints MedSum accepts (seq2seq BART and T5 families) and how each one loads."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from core.models.entry import ModelError

__all__ = ["SUPPORTED", "ArchInfo", "inspect_config", "lora_targets"]


@dataclass(frozen=True)
class ArchInfo:
    """A supported ``model_type``: its family and the transformers class that loads it."""

    family: str
    architecture: str


#: model_type -> family and loading class. BART covers DistilBART; T5 covers Flan-T5.
SUPPORTED: dict[str, ArchInfo] = {
    "bart": ArchInfo("bart", "BartForConditionalGeneration"),
    "t5": ArchInfo("t5", "T5ForConditionalGeneration"),
    "mt5": ArchInfo("t5", "MT5ForConditionalGeneration"),
}

_LORA_TARGETS: dict[str, list[str]] = {"bart": ["q_proj", "v_proj"], "t5": ["q", "v"]}


def inspect_config(config_file: Path) -> tuple[str, ArchInfo]:
    """Read a checkpoint's ``config.json``; return its model_type and how it loads.

    Raises ModelError naming the file and what it found when the file is missing or not
    JSON, or the model is not a seq2seq BART/T5-family model (e.g. GPT-2 or BERT).
    """
    if not config_file.is_file():
        raise ModelError(f"{config_file}: not found (a checkpoint directory needs config.json)")
    try:
        data = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{config_file}: not readable JSON ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise ModelError(f"{config_file}: expected a JSON object, found {type(data).__name__}")
    model_type = data.get("model_type")
    archs = data.get("architectures") or []
    found = f"model_type {model_type!r}" + (f", architectures {', '.join(map(str, archs))}" if archs else "")
    info = SUPPORTED.get(model_type) if isinstance(model_type, str) else None
    if not isinstance(model_type, str) or info is None or data.get("is_encoder_decoder", True) is not True:
        raise ModelError(
            f"{config_file}: found {found}"
            + ("" if info is None else " with is_encoder_decoder false")
            + "; MedSum needs a seq2seq BART or T5 family model (BART, DistilBART, T5, Flan-T5, mT5)"
        )
    if data.get("auto_map"):
        raise ModelError(f"{config_file}: auto_map asks for custom code, which MedSum never runs")
    return model_type, info


def lora_targets(family: str) -> list[str]:
    """The attention projections LoRA adapts for a family: bart ``q_proj, v_proj``; t5 ``q, v``."""
    try:
        return list(_LORA_TARGETS[family])
    except KeyError:
        raise ModelError(f"unknown model family {family!r}: use bart or t5", exit_code=2) from None
