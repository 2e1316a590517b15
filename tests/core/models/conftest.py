"""Fixtures for the model store tests: session-wide tiny checkpoints and a fresh store root."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.models.helpers import build_checkpoints


@pytest.fixture(scope="session")
def checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Read-only tiny BART and T5 checkpoint directories, built once (copy before changing)."""
    return build_checkpoints(tmp_path_factory.mktemp("checkpoints"))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """An empty workspace directory for one test's store."""
    path = tmp_path / "ws"
    path.mkdir()
    return path
