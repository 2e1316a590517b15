"""Pilot fixtures: a fixed terminal size, and a helper that waits for the app's workers."""

from __future__ import annotations

from typing import Any

import pytest
from textual.worker import WorkerCancelled

from tests.tui.fake_backend import FakeBackend

SIZE = (100, 30)


async def settle(app: Any, pilot: Any, rounds: int = 3) -> None:
    """Wait until the workers are done and their messages handled. A worker that a newer one
    of its exclusive group replaced ends cancelled: that is normal, not a failure."""
    for _ in range(rounds):
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:
            pass
        await pilot.pause()


@pytest.fixture
def backend() -> FakeBackend:
    """A fresh fake core for each test."""
    return FakeBackend()
