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
