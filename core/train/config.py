"""The whole configuration of one training run, validated, and saved in the run directory."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.errors import MedsumError

__all__ = ["TrainConfig", "TrainError"]


class TrainError(MedsumError):
    """A training run cannot start or continue; the message names the run, model or dataset."""


class TrainConfig(BaseModel):
    """Every setting a run uses. Saved as ``config.json`` so a run can be resumed and audited."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    dataset: str = Field(min_length=1)
    model: str = Field(min_length=1)
    full: bool = Field(False, description="full fine-tuning instead of LoRA")
    lora_r: int = Field(16, ge=1, le=1024)
    lora_alpha: int = Field(32, ge=1)
    lora_dropout: float = Field(0.05, ge=0, lt=1)
    target_modules: list[str] | None = Field(None, description="LoRA targets; unset: the architecture's q/v projections")
    epochs: int = Field(3, ge=1, le=1000)
    max_steps: int | None = Field(None, ge=1, description="optimizer steps in all; overrides epochs")
    batch_size: int = Field(8, ge=1, le=4096)
    grad_accum: int = Field(1, ge=1, le=1024)
    nproc: int = Field(1, ge=1, le=4096, description="data-parallel processes the run was planned for; the "
                       "global batch is batch_size x grad_accum x nproc")
    learning_rate: float | None = Field(None, gt=0, description="unset: 5e-4 for LoRA, 1e-3 for full")
    weight_decay: float = Field(0.01, ge=0)
    warmup_ratio: float = Field(0.06, ge=0, lt=1)
    max_grad_norm: float = Field(1.0, gt=0)
    max_source_len: int = Field(256, ge=8, le=16384)
    max_target_len: int = Field(64, ge=4, le=4096)
    patience: int = Field(2, ge=1, description="epochs without validation improvement before stopping")
    checkpoint_every: int = Field(50, ge=1, description="also checkpoint every N optimizer steps")
    eval_batches: int | None = Field(None, ge=1, description="cap on validation batches (unset: all)")
    seed: int = 42
    device: Literal["auto", "cpu", "cuda"] = "auto"
    precision: Literal["auto", "fp32", "bf16"] = Field("auto", description="auto: bf16 autocast on CUDA when supported")
    # Differential privacy (DP-SGD through Opacus). Under DP, ``batch_size`` is the physical
    # batch of each process, ``batch_size * grad_accum * nproc`` the expected logical (Poisson)
    # batch of the whole run, and
    # ``max_grad_norm`` the per-sample clipping norm.
    dp: bool = Field(False, description="train with DP-SGD")
    target_epsilon: float | None = Field(None, gt=0, description="DP: noise chosen to reach this epsilon")
    noise_multiplier: float | None = Field(None, ge=0.3, description="DP: explicit noise multiplier (at least 0.3)")
    delta: float | None = Field(None, gt=0, lt=1, description="DP: unset = 1/(10 N) rounded down")
    accountant: Literal["prv", "rdp"] = "prv"
    privacy_unit: Literal["record", "patient"] = "record"

    @model_validator(mode="after")
    def _lora_settings_only_for_lora(self) -> TrainConfig:
        if self.full and self.target_modules:
            raise ValueError("target_modules applies to LoRA, not to --full")
        if self.dp and (self.target_epsilon is None) == (self.noise_multiplier is None):
            raise ValueError("--dp needs exactly one of --target-epsilon and --noise-multiplier")
        if not self.dp and (self.target_epsilon is not None or self.noise_multiplier is not None or self.delta is not None):
            raise ValueError("--target-epsilon, --noise-multiplier and --delta need --dp")
        return self

    @property
    def global_batch(self) -> int:
        """Examples per optimizer step over every process (the expected batch under DP)."""
        return self.batch_size * self.grad_accum * self.nproc

    @property
    def lr(self) -> float:
        """The peak learning rate in effect."""
        if self.learning_rate is not None:
            return self.learning_rate
        return 1e-3 if self.full else 5e-4
