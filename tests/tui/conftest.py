"""Pilot fixtures: a fixed terminal size, no cursor blink, workers awaited."""

from __future__ import annotations

import pytest

from tests.tui.fake_backend import FakeBackend

SIZE = (100, 30)


@pytest.fixture
def backend() -> FakeBackend:
    """A fresh fake core for each test."""
    return FakeBackend()
