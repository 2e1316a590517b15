"""``Summarizer.summarize``'s ``on_batch`` callback: one call per batch, counts that add up to
the total, the same summaries with it as without it, and an exception in it stops the work."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.generation import GenerationSettings, load_summarizer
from tests.cli.conftest import tiny_model_workspace

GREEDY = GenerationSettings(num_beams=1, max_new_tokens=6, batch_size=4, max_source_len=64)


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, list[str]]:
    """A tiny T5 from the store and ten inputs of different lengths."""
    from core.datasets import load_splits

    root = tmp_path_factory.mktemp("progress-ws") / "ws"
    with tiny_model_workspace(root, records=30, seed=3) as opened:
        texts = list(load_splits(opened.root, "notes")["train"]["source"])[:10]
        return load_summarizer(Path(opened.root), model="tt", device="cpu"), texts


def test_on_batch_counts_add_up_and_the_output_is_unchanged(model: tuple[object, list[str]]) -> None:
    summarizer, texts = model
    calls: list[tuple[int, int]] = []
    plain = summarizer.summarize(texts, GREEDY)  # type: ignore[attr-defined]
    watched = summarizer.summarize(texts, GREEDY, on_batch=lambda done, total: calls.append((done, total)))  # type: ignore[attr-defined]
    assert watched == plain
    assert calls == [(4, 10), (8, 10), (10, 10)]


def test_an_exception_in_on_batch_stops_after_that_batch(model: tuple[object, list[str]]) -> None:
    summarizer, texts = model
    calls: list[int] = []

    def stop(done: int, total: int) -> None:
        calls.append(done)
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        summarizer.summarize(texts, GREEDY, on_batch=stop)  # type: ignore[attr-defined]
    assert calls == [4]


def test_should_stop_ends_the_batch_at_the_next_decoding_step(model: tuple[object, list[str]]) -> None:
    summarizer, texts = model
    long = GenerationSettings(num_beams=1, max_new_tokens=40, batch_size=10, max_source_len=64)
    asked: list[int] = []

    def should_stop() -> bool:
        asked.append(1)
        return len(asked) >= 3  # a cancel that arrives at the third decoding step

    cut = summarizer.summarize(texts, long, should_stop=should_stop)  # type: ignore[attr-defined]
    full = summarizer.summarize(texts, long)  # type: ignore[attr-defined]
    assert len(asked) == 3  # asked once per step, and no step after the cancel
    tokens = summarizer.tokenizer  # type: ignore[attr-defined]
    assert max(len(tokens(c)["input_ids"]) for c in cut) < max(len(tokens(f)["input_ids"]) for f in full)
    assert summarizer.summarize(texts, long, should_stop=lambda: False) == full  # never asked to stop: unchanged
