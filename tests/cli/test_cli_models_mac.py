"""``medsum models verify`` refuses a forged or unsigned manifest in one line and exits 1;
``medsum models sign`` keys an untouched unsigned model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Outcome
from tests.core.models.helpers import build_checkpoints


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny checkpoint directories, built once for this module."""
    return build_checkpoints(tmp_path_factory.mktemp("mac-checkpoints"))


@pytest.fixture
def ws(medsum, tmp_path: Path, checkpoints: dict[str, Path]) -> str:  # type: ignore[no-untyped-def]
    path = str(tmp_path / "ws")
    assert medsum("init", "--workspace", path).code == 0
    assert medsum("models", "import", str(checkpoints["t5"]), "--name", "t", "-w", path).code == 0
    return path


def _manifest(ws: str) -> Path:
    return Path(ws) / "models" / "t" / "manifest.json"


def test_verify_refuses_pickle_turned_on(medsum, ws: str) -> None:  # type: ignore[no-untyped-def]
    assert medsum("models", "verify", "t", "-w", ws).code == 0
    data = json.loads(_manifest(ws).read_text())
    data["entry"]["allow_pickle"] = True
    _manifest(ws).write_text(json.dumps(data))
    result: Outcome = medsum("models", "verify", "t", "-w", ws)
    assert result.code == 1
    assert "model t: manifest.json does not match its MAC" in result.err and "re-import" in result.err
    assert "OK" not in result.out


def test_verify_reports_unsigned_and_sign_fixes_it(medsum, ws: str) -> None:  # type: ignore[no-untyped-def]
    (Path(ws) / "models" / "t" / "manifest.mac").unlink()
    result: Outcome = medsum("models", "verify", "t", "-w", ws)
    assert result.code == 1 and "unsigned" in result.err and "medsum models sign t" in result.err
    assert medsum("models", "sign", "t", "-w", ws).code == 0
    assert medsum("models", "verify", "t", "-w", ws).code == 0
