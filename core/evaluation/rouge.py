"""ROUGE-1/2/L/Lsum of generated summaries, through ``evaluate`` and MedSum's own metric module.

The stock ROUGE metric, loaded by name, needs the Hugging Face hub. MedSum ships the metric script
(``metrics/medsum_rouge/medsum_rouge.py`` next to this file) and loads it by local path, so
loading reads local files only: ``evaluate`` copies the script into its modules cache
(``$HF_MODULES_CACHE``, by default ``~/.cache/huggingface/modules``) and imports it from
there. Predictions and references stay in memory (``keep_in_memory=True``): nothing about
them is written to ``evaluate``'s cache directory.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["METRIC_DIR", "ROUGE_KEYS", "load_rouge_metric", "rouge_scores"]

#: The folder of the metric module; ``evaluate.load`` takes it as a path.
METRIC_DIR = Path(__file__).resolve().parent / "metrics" / "medsum_rouge"
#: The keys :func:`rouge_scores` returns, in this order.
ROUGE_KEYS = ("rouge1", "rouge2", "rougeL", "rougeLsum")

_lock = threading.Lock()
_metric: Any = None


def load_rouge_metric() -> Any:
    """The ``evaluate`` metric object of :data:`METRIC_DIR`, loaded once per process."""
    global _metric
    with _lock:
        if _metric is None:
            import evaluate

            _metric = evaluate.load(str(METRIC_DIR), keep_in_memory=True)
        return _metric


def rouge_scores(predictions: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """Mean ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum F-measures (0 to 1) of predictions
    against their references, one reference per prediction.

    Raises ``ValueError`` when the two sequences differ in length or are empty, and
    ``TypeError`` when they hold something other than strings.
    """
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions but {len(references)} references")
    if not predictions:
        raise ValueError("no predictions to score")
    for name, texts in (("prediction", predictions), ("reference", references)):
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"{name} {i} is a {type(text).__name__}, not a string")
    metric = load_rouge_metric()
    with _lock:  # one metric object: its add/compute buffer is not thread-safe
        result = metric.compute(predictions=list(predictions), references=list(references))
    return {key: float(result[key]) for key in ROUGE_KEYS}
