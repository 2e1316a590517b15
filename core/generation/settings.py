"""How summaries are generated: beam search and length settings, validated, and the error type."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from core.errors import MedsumError

__all__ = ["GenerationError", "GenerationSettings"]


class GenerationError(MedsumError):
    """Summaries cannot be generated: a bad setting, an unknown or unfinished run; one line."""


@dataclass(frozen=True)
class GenerationSettings:
    """Decoding settings for :meth:`core.generation.Summarizer.summarize`.

    ``max_source_len`` truncates each model input (in tokens, keeping its closing token);
    ``min_new_tokens`` is 0 for real use (benchmarks raise it so random weights never stop early).
    """

    num_beams: int = 4
    max_new_tokens: int = 128
    min_new_tokens: int = 0
    no_repeat_ngram_size: int = 3
    batch_size: int = 16
    max_source_len: int = 512
    length_penalty: float = 1.0
    early_stopping: bool = True

    def __post_init__(self) -> None:
        checks = {"num_beams": 1, "max_new_tokens": 1, "batch_size": 1, "max_source_len": 2,
                  "min_new_tokens": 0, "no_repeat_ngram_size": 0}
        for name, least in checks.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise GenerationError(f"generation setting {name} must be an integer of at least {least}",
                                      exit_code=2)
        if self.min_new_tokens > self.max_new_tokens:
            raise GenerationError("generation setting min_new_tokens must not exceed max_new_tokens", exit_code=2)

    @classmethod
    def from_config(cls, config: Any) -> GenerationSettings:
        """The settings of a workspace's ``[generation]`` section (:class:`core.config.GenerationConfig`)."""
        return cls(num_beams=config.num_beams, max_new_tokens=config.max_new_tokens,
                   no_repeat_ngram_size=config.no_repeat_ngram_size, batch_size=config.batch_size,
                   max_source_len=config.max_source_len)

    def with_changes(self, **changes: Any) -> GenerationSettings:
        """A copy with ``changes`` applied (None values are ignored, so CLI options can pass through)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def to_json(self) -> dict[str, Any]:
        """The settings as a JSON object, for provenance."""
        return asdict(self)
