"""How many parameters a run will train, counted before the run without loading any weights."""

from __future__ import annotations

from pathlib import Path

from core.train.config import TrainConfig

__all__ = ["count_trainable"]


def count_trainable(root: Path, config: TrainConfig) -> int:
    """The number of parameters ``config``'s run trains on its stored model: the LoRA adapter's
    (same targets and rank as the run), or for ``--full`` every parameter DP-SGD may train.

    The model is built from its stored configuration on torch's ``meta`` device, so no weight is
    read and no memory is used. Raises the store's error when the model is unknown."""
    import torch
    import transformers

    from core.models import get_model, lora_targets

    entry = get_model(root, config.model)
    model_config = transformers.AutoConfig.from_pretrained(str(entry.path), local_files_only=True)
    with torch.device("meta"):
        model = getattr(transformers, entry.architecture)._from_config(model_config)
    if config.full:
        if config.dp:
            from privacy.dp import freeze_for_full_dp

            freeze_for_full_dp(model)
    else:
        from peft import LoraConfig, TaskType, get_peft_model

        targets = config.target_modules or lora_targets(entry.family)
        model = get_peft_model(model, LoraConfig(task_type=TaskType.SEQ_2_SEQ_LM, r=config.lora_r,
                                                 lora_alpha=config.lora_alpha, target_modules=targets))
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
