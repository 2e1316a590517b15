"""``medsum doctor``: the model store and audit log checks, on top of the basics in test_cli_basics."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from core.audit import audit_event, audit_path
from core.models import import_model, init_tiny
from core.models.tiny import synthetic_texts
from tests.cli.conftest import Outcome

Run = Callable[..., Outcome]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A read-only tiny BART checkpoint directory (no manifest), built once for this module."""
    base = tmp_path_factory.mktemp("doctor-checkpoint")
    (base / "scratch").mkdir()
    entry = init_tiny(base / "scratch", "bart", "src", synthetic_texts(40, seed=1), seed=1)
    shutil.copytree(entry.path, base / "tiny", ignore=shutil.ignore_patterns("manifest.json"))
    return base / "tiny"


@pytest.fixture
def ws(medsum: Run, workspace_dir: Path) -> Path:
    """An initialized workspace."""
    assert medsum("init", "-w", str(workspace_dir)).code == 0
    return workspace_dir


def report(medsum: Run, ws: Path, *args: str) -> tuple[int, dict[str, dict[str, str]]]:
    result = medsum("doctor", "--json", "-w", str(ws), *args)
    data = json.loads(result.out)
    assert data["ok"] == (result.code == 0)
    return result.code, {c["name"]: c for c in data["checks"]}


def test_doctor_verifies_every_model_and_names_a_tampered_one(medsum: Run, ws: Path, checkpoint: Path) -> None:
    import_model(ws, checkpoint, "alpha")
    import_model(ws, checkpoint, "beta")
    entries = len(audit_path(ws).read_text().splitlines())
    _, checks = report(medsum, ws)
    store = checks["model store"]
    assert store["status"] == "ok", store
    assert re.match(r"2 models, 10 files, [0-9.]+ MB re-hashed in [0-9.]+ s: ", store["detail"]), store["detail"]
    assert store["detail"].endswith("every file matches its manifest")
    assert checks["audit log"]["status"] == "ok" and f"{entries} entries" in checks["audit log"]["detail"]

    with open(ws / "models" / "beta" / "model.safetensors", "r+b") as handle:
        handle.seek(-2, 2)
        handle.write(b"\xff\xff")  # same size: only the hash can tell
    result = medsum("doctor", "-w", str(ws))
    assert result.code == 1
    assert "[FAIL] model store: model beta: model.safetensors (changed) (2 models, 10 files" in result.out
    assert "fix: do not use beta: run medsum models verify beta" in result.out
    assert "alpha" not in result.out.split("[FAIL] model store")[1].splitlines()[0]
    assert len(audit_path(ws).read_text().splitlines()) == entries  # doctor writes no audit entry

    _, checks = report(medsum, ws, "--quick")  # sizes only: the same-size edit goes unseen, as documented
    assert checks["model store"]["status"] == "ok" and "--quick" in checks["model store"]["detail"]


def test_doctor_names_a_model_whose_manifest_is_gone(medsum: Run, ws: Path, checkpoint: Path) -> None:
    import_model(ws, checkpoint, "gamma")
    (ws / "models" / "gamma" / "manifest.json").unlink()
    (ws / "models" / "gamma" / "stray.bin").write_bytes(b"x")
    code, checks = report(medsum, ws)
    assert code == 1
    detail = checks["model store"]["detail"]
    assert checks["model store"]["status"] == "fail"
    assert f"model gamma: {ws / 'models' / 'gamma' / 'manifest.json'}: missing" in detail


def test_doctor_fails_on_a_broken_audit_chain(medsum: Run, ws: Path) -> None:
    audit_event(ws, "deid", records=3)
    audit_event(ws, "deid", records=4)
    assert report(medsum, ws)[1]["audit log"]["detail"].startswith("chain intact, 2 entries")
    lines = audit_path(ws).read_text().splitlines()
    audit_path(ws).write_text(lines[0].replace('"records":3', '"records":30') + "\n" + lines[1] + "\n")
    result = medsum("doctor", "-w", str(ws))
    assert result.code == 1
    assert f"[FAIL] audit log: {audit_path(ws)}: broken after 0 good entries: entry 1 (line 1): its mac" in result.out
    assert "keep a copy of the workspace for your security officer" in result.out


def test_doctor_warns_on_an_uninitialized_workspace(medsum: Run, tmp_path: Path) -> None:
    code, checks = report(medsum, tmp_path / "never-initialized")
    assert [checks[n]["status"] for n in ("workspace", "model store", "audit log")] == ["warn"] * 3
    assert "medsum init" in checks["workspace"]["fix"]
    assert code == (1 if any(c["status"] == "fail" for c in checks.values()) else 0)
    assert not (tmp_path / "never-initialized").exists()  # doctor created nothing
