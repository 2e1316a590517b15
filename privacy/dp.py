"""DP-SGD for seq2seq fine-tuning through Opacus: which parameters may train, Poisson sampling
by record or by patient, the per-sequence loss, and :class:`DpEngine`, which turns an optimizer
into a DP one (per-sample clipping, Gaussian noise, accounting).

What the engine guarantees, and why:

- **Loss.** Each example's loss is its own mean over its target tokens, and the batch loss is
  their sum. The models' built-in loss averages tokens over the whole batch, which scales an
  example's gradient by the other examples' lengths before clipping.
- **Physical batches.** A logical (Poisson) batch is split into physical chunks; clipped
  gradients accumulate across chunks and noise is added once per logical step.
- **Empty batches.** Poisson sampling sometimes draws nobody. The step still happens: zero
  clipped gradient plus noise, and the accountant counts it.
- **Hooks, not a wrapper.** Per-sample gradients come from Opacus's hooks on the model itself,
  so ``generate`` keeps working and saved weights carry no wrapper prefixes.
- **Randomness.** Sampling and noise come from torch generators seeded from the operating
  system's random source, never from the run's seed (which sits in ``config.json``). Opacus's
  ``secure_mode`` (a cryptographic generator) is unavailable on this torch, so the noise is
  from torch's standard generator; reports say so.
- **Nothing from un-noised gradients is exposed**: no gradient norm is computed or logged.
"""

from __future__ import annotations

import contextlib
import secrets
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import torch
from torch import nn

from privacy.accounting import epsilon_for

__all__ = [
    "DpEngine",
    "DpError",
    "check_trainable_supported",
    "freeze_for_full_dp",
    "os_seeded_generator",
    "patient_sample",
    "poisson_sample",
    "sequence_loss_sum",
]


class DpError(ValueError):
    """DP training cannot run as configured; the message names the module or setting."""


def _shared_parameter_names(model: nn.Module) -> dict[int, list[str]]:
    """Every parameter's names, by identity (tied weights have several)."""
    names: dict[int, list[str]] = {}
    for name, param in model.named_parameters(remove_duplicate=False):
        names.setdefault(id(param), []).append(name)
    return names


def _position_like(name: str, module: nn.Module) -> bool:
    """Embeddings fed positions, not the batch's tokens: their input has no batch dimension."""
    return "relative_attention_bias" in name or "PositionalEmbedding" in type(module).__name__


def freeze_for_full_dp(model: nn.Module) -> list[str]:
    """Freeze what per-sample gradients cannot cover in full fine-tuning; return the names frozen.

    That is: tied embeddings (one weight used by the encoder, the decoder and the output layer),
    BART's learned positional embeddings, and T5's relative-attention bias. Opacus's validator
    does not catch these; per-sample gradients for them are wrong or crash.
    """
    frozen: list[str] = []
    tied = {pid for pid, names in _shared_parameter_names(model).items() if len(names) > 1}
    for name, module in model.named_modules():
        for pname, param in module.named_parameters(recurse=False):
            if param.requires_grad and (id(param) in tied or _position_like(name, module)):
                param.requires_grad_(False)
                frozen.append(f"{name}.{pname}" if name else pname)
    return frozen


def check_trainable_supported(model: nn.Module) -> None:
    """Raise :class:`DpError` naming the first trainable module DP-SGD cannot train correctly.

    A module is supported when Opacus has a per-sample gradient rule for its type, or when it
    has no buffers (Opacus then uses functorch), and its input is batch-first (not a
    positional table) and its weights are not shared with another module.
    """
    from opacus.grad_sample import GradSampleHooks

    shared = {pid: names for pid, names in _shared_parameter_names(model).items() if len(names) > 1}
    for name, module in model.named_modules():
        own = [(pname, p) for pname, p in module.named_parameters(recurse=False) if p.requires_grad]
        if not own:
            continue
        label = f"{name or '<model>'} ({type(module).__name__})"
        for pname, param in own:
            if id(param) in shared:
                raise DpError(f"trainable module {label} shares its weight {pname} with "
                              f"{', '.join(n for n in shared[id(param)] if not n.startswith(name + '.'))}: "
                              "freeze it for DP")
        if _position_like(name, module):
            raise DpError(f"trainable module {label} is a positional table with no batch dimension: freeze it for DP")
        if type(module) in GradSampleHooks.GRAD_SAMPLERS:
            continue
        if any(True for _ in module.buffers(recurse=False)):
            raise DpError(f"trainable module {label} keeps buffers, which DP-SGD does not support")


def sequence_loss_sum(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Sum over the batch of each sequence's mean token loss (labels of -100 are ignored)."""
    flat = nn.functional.cross_entropy(logits.float().reshape(-1, logits.size(-1)), labels.reshape(-1),
                                       ignore_index=-100, reduction="none").view(labels.shape)
    counts = (labels != -100).sum(dim=1).clamp(min=1)
    return (flat.sum(dim=1) / counts).sum()


def os_seeded_generator(device: torch.device | str = "cpu") -> torch.Generator:
    """A torch generator seeded from the operating system's random source."""
    generator = torch.Generator(device=device)
    generator.manual_seed(secrets.randbits(63))
    return generator


def poisson_sample(population: int, sample_rate: float, generator: torch.Generator) -> list[int]:
    """Poisson sampling: each of ``population`` indices is in the batch independently with
    probability ``sample_rate``. The batch may be empty."""
    mask = torch.rand(population, generator=generator) < sample_rate
    return mask.nonzero().flatten().tolist()


def patient_sample(groups: Sequence[Sequence[int]], sample_rate: float, generator: torch.Generator) -> list[int]:
    """Patient-level Poisson sampling: each patient is drawn with probability ``sample_rate``,
    then one of their records uniformly; so a patient gives at most one record per step."""
    chosen = poisson_sample(len(groups), sample_rate, generator)
    picks = torch.rand(len(chosen), generator=generator).tolist()
    return [groups[p][min(int(u * len(groups[p])), len(groups[p]) - 1)] for p, u in zip(chosen, picks, strict=True)]


class DpEngine:
    """Per-sample clipping, noise and accounting around an existing optimizer.

    Build it after the model is on its device, wrapped by peft, and the optimizer exists.
    Per logical step: for each physical chunk, ``backward`` the chunk's
    :func:`sequence_loss_sum`, then call :meth:`accumulate` after every chunk but the last and
    :meth:`step` after the last; with no chunk at all, call :meth:`step` alone.
    """

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, *, noise_multiplier: float,
                 max_grad_norm: float, sample_rate: float, expected_batch_size: float, accountant: str = "prv",
                 device: torch.device | str = "cpu", world_size: int = 1) -> None:
        """Attach per-sample gradient hooks to ``model`` and wrap ``optimizer``.

        With ``world_size`` above 1 (a torch.distributed group is running), this is Opacus's
        distributed DP-SGD: the model's weights are synchronized from rank 0 (DPDDP), each
        process clips its own share of the batch, rank 0 alone adds the noise, and the sums
        are all-reduced, so the step equals one process's step on the whole batch.
        ``sample_rate`` and ``expected_batch_size`` are those of the whole (global) batch.
        """
        from opacus.accountants import create_accountant
        from opacus.grad_sample import GradSampleHooks
        from opacus.optimizers import DistributedDPOptimizer, DPOptimizer

        check_trainable_supported(model)
        # Opacus's backward hooks on a frozen base model make torch say so on every step.
        warnings.filterwarnings("ignore", message="Full backward hook is firing", category=UserWarning)
        self.model = model
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.hooks = GradSampleHooks(model, batch_first=True, loss_reduction="sum", strict=True)
        if world_size > 1:
            from opacus.distributed import DifferentiallyPrivateDistributedDataParallel

            DifferentiallyPrivateDistributedDataParallel(model)  # broadcasts rank 0's weights
            # Opacus divides each process's clipped sum by its share of the expected batch,
            # then averages over the processes: in all, the global sum over the global batch.
            self.optimizer: DPOptimizer = DistributedDPOptimizer(
                optimizer, noise_multiplier=noise_multiplier, max_grad_norm=max_grad_norm,
                expected_batch_size=expected_batch_size / world_size,  # type: ignore[arg-type]
                loss_reduction="mean", generator=os_seeded_generator(device))
        else:
            self.optimizer = DPOptimizer(optimizer, noise_multiplier=noise_multiplier, max_grad_norm=max_grad_norm,
                                         expected_batch_size=expected_batch_size, loss_reduction="mean",
                                         generator=os_seeded_generator(device))
        self.accountant_name = accountant
        self.accountant = create_accountant(mechanism=accountant)
        self.optimizer.attach_step_hook(self.accountant.get_optimizer_hook_fn(sample_rate=sample_rate))
        self.noise_multiplier, self.sample_rate = noise_multiplier, sample_rate

    def accumulate(self) -> None:
        """After a chunk that is not the last of its logical batch: clip and keep, no step."""
        self.optimizer.signal_skip_step(do_skip=True)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)

    def step(self) -> None:
        """Finish the logical step: clip the last chunk, add noise once, update, count it.

        With no chunk since the last step (an empty Poisson batch), the clipped sum is zero
        and only noise moves the weights, as the accounting assumes.
        """
        for p in self.params:
            if getattr(p, "grad_sample", None) is None:
                p.grad_sample = torch.zeros((0, *p.shape), device=p.device, dtype=p.dtype)  # type: ignore[attr-defined]
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)

    @property
    def steps_taken(self) -> int:
        """Noised steps this engine has counted."""
        return sum(n for _, _, n in self.accountant.history)

    def epsilon(self, delta: float, *, earlier_steps: int = 0) -> float:
        """Epsilon at ``delta`` after ``earlier_steps`` (before a resume) plus this engine's steps."""
        steps = earlier_steps + self.steps_taken
        return epsilon_for([(self.noise_multiplier, self.sample_rate, steps)], delta, self.accountant_name)

    @contextlib.contextmanager
    def hooks_off(self) -> Iterator[None]:
        """Run the model without per-sample gradients (validation, generation)."""
        self.hooks.disable_hooks()
        try:
            yield
        finally:
            self.hooks.enable_hooks()

    def state_dict(self) -> dict[str, Any]:
        """The inner optimizer's state (checkpoints look like a non-private run's)."""
        return self.optimizer.state_dict()

    def detach(self) -> None:
        """Remove the hooks so the model is an ordinary model again."""
        self.hooks.cleanup()
