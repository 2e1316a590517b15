"""What a warm start relies on: the generation imports in one call, and torch's thread count
on a busy CPU."""

from __future__ import annotations

import sys

import pytest

from core.generation.threads import THREADS_ENV, interactive_threads


def test_threads_leave_out_the_cores_others_keep_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(THREADS_ENV, raising=False)
    assert interactive_threads(2, load=0.1, cores=2) == 2  # an idle machine: torch's default
    assert interactive_threads(2, load=1.2, cores=2) == 1
    assert interactive_threads(2, load=6.0, cores=2) == 1  # never fewer than one
    assert interactive_threads(8, load=3.0, cores=16) == 8  # never more than torch's default
    assert interactive_threads(16, load=3.0, cores=16) == 13


def test_the_environment_fixes_the_thread_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(THREADS_ENV, "3")
    assert interactive_threads(2, load=6.0, cores=2) == 3
    monkeypatch.setenv(THREADS_ENV, "zero")  # not a count: the estimate
    assert interactive_threads(2, load=6.0, cores=2) == 1


@pytest.mark.slow
def test_import_generation_stack_imports_the_model_classes() -> None:
    from core.generation.warmup import import_generation_stack

    import_generation_stack()
    for module in ("torch", "peft", "transformers.models.t5.modeling_t5", "transformers.models.bart.modeling_bart"):
        assert module in sys.modules
