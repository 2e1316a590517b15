"""Where a command's time goes: named phases, timed, reported on stderr one line each.

Phase lines carry names and seconds only, never a record, a value or a path.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import typer

__all__ = ["PhaseClock"]

_T = TypeVar("_T")


class PhaseClock:
    """Seconds per phase; ``report()`` prints them when enabled, in ``order`` (then any other
    phase, in the order it first ran)."""

    def __init__(self, command: str, *, enabled: bool, order: tuple[str, ...] = ()) -> None:
        """``command`` prefixes each line (``medsum summarize``); nothing is printed unless ``enabled``."""
        self.command = command
        self.enabled = enabled
        self.order = order
        self.seconds: dict[str, float] = {}
        self._started = time.perf_counter()

    def add(self, name: str, seconds: float) -> None:
        """Count ``seconds`` more to phase ``name``."""
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time the block as phase ``name``."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - start)

    def timed(self, name: str, function: Callable[..., _T]) -> Callable[..., _T]:
        """``function``, with each call's time counted to phase ``name``."""
        def call(*args: Any, **kwargs: Any) -> _T:
            with self.phase(name):
                return function(*args, **kwargs)
        return call

    def report(self) -> None:
        """One line per phase on stderr, then the total (when enabled)."""
        if not self.enabled:
            return
        names = [n for n in self.order if n in self.seconds] + [n for n in self.seconds if n not in self.order]
        for name in names:
            typer.echo(f"{self.command}: {name} {self.seconds[name]:.2f} s", err=True)
        typer.echo(f"{self.command}: total {time.perf_counter() - self._started:.2f} s", err=True)
