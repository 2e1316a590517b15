"""Generate summaries with a seq2seq model: length-sorted batches, beam search, order restored."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Sequence
from typing import Any

from core.generation.settings import GenerationError, GenerationSettings

__all__ = ["Summarizer", "pick_device"]


def pick_device(device: str = "auto") -> tuple[Any, Any]:
    """``(torch.device, autocast dtype or None)``: CUDA with bf16 autocast when available (and
    supported), else CPU in float32. ``device`` is ``auto``, ``cpu`` or ``cuda``."""
    import torch

    if device not in ("auto", "cpu", "cuda"):
        raise GenerationError(f"device {device!r}: use auto, cpu or cuda", exit_code=2)
    if device == "cuda" and not torch.cuda.is_available():
        raise GenerationError("device cuda was asked for, but torch sees no CUDA device")
    use_cuda = device == "cuda" or (device == "auto" and torch.cuda.is_available())
    if not use_cuda:
        return torch.device("cpu"), None
    return torch.device("cuda"), (torch.bfloat16 if torch.cuda.is_bf16_supported() else None)


class Summarizer:
    """A seq2seq model and its tokenizer on one device, in eval mode, ready to summarize."""

    def __init__(self, model: Any, tokenizer: Any, *, source: dict[str, Any] | None = None,
                 device: str = "auto", input_fields: list[str] | None = None) -> None:
        """``source`` says where the weights came from (model, manifest, run, adapter), for provenance;
        ``input_fields``, the record fields the model was trained on (a run's dataset), when known."""
        self.device, self.autocast_dtype = pick_device(device)
        self.model = model.to(self.device).eval()
        # Lengths come from GenerationSettings alone; a checkpoint's own max_length or min_length
        # (distilbart-cnn has 142 and 56) would also make transformers warn on every call.
        self.model.generation_config.max_length = None
        self.model.generation_config.min_length = None
        self.tokenizer = tokenizer
        self.input_fields = list(input_fields) if input_fields is not None else None
        self._source = dict(source or {})

    @property
    def provenance(self) -> dict[str, Any]:
        """Where the weights came from (model name, manifest SHA-256, run, adapter and its
        SHA-256), the device and the precision. The generation settings are per call: see
        :func:`core.generation.summarize_records`, which adds them."""
        return {**self._source, "device": self.device.type, "precision": "bf16" if self.autocast_dtype else "fp32"}

    def _source_limit(self, settings: GenerationSettings) -> int:
        """Tokens kept of each input: the setting, capped by BART's learned positions."""
        positions = getattr(self.model.config, "max_position_embeddings", None)
        return min(settings.max_source_len, positions) if positions else settings.max_source_len

    def _generation_config(self, settings: GenerationSettings) -> Any:
        """The model's generation config (token ids, forced tokens) with every length and search
        setting replaced by ``settings``, so a checkpoint's own defaults never change the output."""
        gen = copy.deepcopy(self.model.generation_config)
        gen.max_length = None
        gen.min_length = None
        gen.max_new_tokens = settings.max_new_tokens
        gen.min_new_tokens = settings.min_new_tokens or None
        gen.num_beams = settings.num_beams
        gen.num_return_sequences = 1
        gen.do_sample = False
        gen.no_repeat_ngram_size = settings.no_repeat_ngram_size
        beams = settings.num_beams > 1
        gen.length_penalty = settings.length_penalty if beams else 1.0
        gen.early_stopping = settings.early_stopping if beams else False
        return gen

    def summarize(self, texts: Sequence[str], settings: GenerationSettings | None = None, *,
                  on_batch: Callable[[int, int], None] | None = None,
                  should_stop: Callable[[], bool] | None = None) -> list[str]:
        """One summary per text, in the order given.

        Inputs are tokenized (truncated to ``max_source_len``), sorted by length and generated
        in batches of ``batch_size`` padded to each batch's longest, so little work goes to
        padding; the summaries come back in the input order, special tokens removed.
        ``on_batch(done, total)`` is called after each batch with the texts summarized so far
        (the longest come first, so early batches are the slowest); an exception it raises
        stops the generation there. ``should_stop()`` is asked at every decoding step: once it
        says True, the batch under way ends at that step (its summaries cut short) and
        ``on_batch`` is called, which is where the caller raises to stop (a cancel takes one
        decoding step, not a whole batch).
        """
        import torch

        settings = settings or GenerationSettings()
        if not texts:
            return []
        encoded = self.tokenizer(list(texts), add_special_tokens=True, truncation=True,
                                 max_length=self._source_limit(settings))["input_ids"]
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]), reverse=True)
        gen = self._generation_config(settings)
        extra = {} if should_stop is None else {"stopping_criteria": _stop_when(should_stop)}
        results = [""] * len(encoded)
        autocast = (torch.autocast(self.device.type, dtype=self.autocast_dtype) if self.autocast_dtype
                    else contextlib.nullcontext())
        with torch.inference_mode(), autocast:
            for start in range(0, len(order), settings.batch_size):
                chunk = order[start:start + settings.batch_size]
                batch = self.tokenizer.pad({"input_ids": [encoded[i] for i in chunk]}, return_tensors="pt")
                output = self.model.generate(input_ids=batch["input_ids"].to(self.device),
                                             attention_mask=batch["attention_mask"].to(self.device),
                                             generation_config=gen, **extra)
                for index, text in zip(chunk, self.tokenizer.batch_decode(output, skip_special_tokens=True),
                                       strict=True):
                    results[index] = text.strip()
                if on_batch is not None:
                    on_batch(start + len(chunk), len(order))
        return results


def _stop_when(should_stop: Callable[[], bool]) -> Any:
    """A transformers stopping criterion that ends every sequence once ``should_stop()`` is True."""
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    class StopWhen(StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            return torch.full((input_ids.shape[0],), should_stop(), dtype=torch.bool, device=input_ids.device)

    return StoppingCriteriaList([StopWhen()])
