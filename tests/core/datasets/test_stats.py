"""Token length statistics of a stored dataset."""

from __future__ import annotations

from core.datasets import import_dataset, length_stats, load_splits
from core.datasets.stats import summarize_lengths
from core.records import SPLITS


def test_summarize_lengths() -> None:
    assert summarize_lengths([]) == {"min": 0.0, "mean": 0.0, "median": 0.0, "p95": 0.0, "max": 0.0}
    stats = summarize_lengths(list(range(1, 21)))
    assert stats == {"min": 1.0, "mean": 10.5, "median": 10.5, "p95": 19.05, "max": 20.0}


def test_length_stats_with_a_tiny_tokenizer(workspace, corpus_file, tiny_tokenizer) -> None:
    import_dataset(workspace, corpus_file, "lengths", strategy="redact")
    stats = length_stats(workspace.root, "lengths", tiny_tokenizer)
    assert list(stats) == list(SPLITS)
    train = load_splits(workspace.root, "lengths")["train"]
    expected = [len(tiny_tokenizer(t)["input_ids"]) for t in train["target"]]
    assert stats["train"]["target"]["max"] == max(expected)
    assert stats["train"]["target"]["min"] == min(expected)
    for split in SPLITS:
        for column in ("source", "target"):
            s = stats[split][column]
            assert set(s) == {"min", "mean", "median", "p95", "max"}
            assert 0 < s["min"] <= s["median"] <= s["p95"] <= s["max"]
            assert s["min"] <= s["mean"] <= s["max"]
