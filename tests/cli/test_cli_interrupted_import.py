"""A kill right after a dataset or model is renamed into the store (issue 20, item 8).

The import runs in a subprocess that ``kill -9``s itself right after (or right before) the
rename into ``datasets/`` or ``models/``; the next command, or ``medsum doctor``, reconciles:
the item is recorded (a dataset in the privacy ledger and the audit log, a model in the audit
log and by its keyed manifest; the audit entry marked ``recovered``), or an intent whose rename
never happened is dropped. A dataset or model copied into the store by hand is never adopted:
it is not listed, using it is refused in one line naming it, and doctor reports it with the fix.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from core.atomic import find_leftovers
from core.audit import audit_path
from core.datasets.entry import read_entry
from core.ledger import open_ledger
from tests.cli.conftest import ROOT, Outcome
from tests.core.test_leftovers import age

Run = Callable[..., Outcome]
KEYRING = {"MEDSUM_KEYRING": "cryptfile", "MEDSUM_KEYRING_PASSPHRASE": "test"}

#: Runs the CLI with os.rename wrapped: the rename of a directory into STORE/NAME kills the
#: process with SIGKILL right after it ("after") or instead of it ("before").
_KILL_AT_RENAME = """
import os, signal, sys
store, when = sys.argv[1], sys.argv[2]
real_rename = os.rename
def rename(src, dst, *args, **kwargs):
    target = os.fspath(dst)
    if os.path.basename(os.path.dirname(target)) == store and not os.path.basename(target).startswith("."):
        if when == "after":
            real_rename(src, dst, *args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)
    return real_rename(src, dst, *args, **kwargs)
os.rename = rename
from medsum_tui.cli import main
sys.exit(main(sys.argv[3:]))
"""


def killed_at_rename(ws: Path, store: str, when: str, *args: str) -> None:
    """Run ``medsum ARGS`` in a subprocess that is killed with SIGKILL at its rename into ``store``."""
    proc = subprocess.run([sys.executable, "-c", _KILL_AT_RENAME, store, when, *args, "-w", str(ws)],
                          cwd=ROOT, env={**os.environ, **KEYRING, "MEDSUM_HOME": str(ws)}, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr


@pytest.fixture
def ws(medsum: Run, workspace_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An initialized workspace whose secrets are in the encrypted file the subprocesses use too."""
    for name, value in KEYRING.items():
        monkeypatch.setenv(name, value)
    assert medsum("init", "-w", str(workspace_dir)).code == 0
    return workspace_dir


@pytest.fixture
def corpus(medsum: Run, tmp_path: Path) -> Path:
    path = tmp_path / "records.jsonl"
    assert medsum("synth", "--out", str(path), "--n", "30", "--seed", "3").code == 0
    return path


def intents_dir(ws: Path) -> Path:
    return ws / "privacy" / "intents"


def _entries(ws: Path, op: str) -> list[dict]:
    path = audit_path(ws)
    lines = path.read_text().splitlines() if path.exists() else []
    return [entry for entry in map(json.loads, lines) if entry["op"] == op]


def _doctor(medsum: Run, ws: Path) -> tuple[int, dict[str, dict[str, str]]]:
    result = medsum("doctor", "--json", "--quick", "-w", str(ws))
    return result.code, {c["name"]: c for c in json.loads(result.out)["checks"]}


@pytest.mark.slow  # a subprocess de-identifies and stores a dataset
def test_dataset_killed_after_its_rename_is_recorded_by_doctor(medsum: Run, ws: Path, corpus: Path) -> None:
    killed_at_rename(ws, "datasets", "after", "data", "import", str(corpus), "--name", "notes", "--strategy", "redact")
    fingerprint = read_entry(ws / "datasets" / "notes").fingerprint
    assert not open_ledger(ws).datasets() and not _entries(ws, "data.import")  # the kill left it unrecorded

    code, checks = _doctor(medsum, ws)
    assert code == 0, checks
    records = checks["store records"]
    assert records["status"] == "warn"
    assert records["detail"] == ("interrupted imports reconciled: dataset notes: recorded after an interrupted import "
                                 "(ledger row and audit entry written)")
    assert checks["audit log"]["status"] == "ok"
    (row,) = open_ledger(ws).datasets()
    assert (row.name, row.fingerprint, row.records) == ("notes", fingerprint, 30 - row.deid["skipped"])
    (entry,) = _entries(ws, "data.import")
    assert entry["fields"]["dataset"] == "notes" and entry["fields"]["fingerprint"] == fingerprint
    assert entry["fields"]["recovered"] is True
    assert not list(intents_dir(ws).glob("*.json"))

    assert medsum("audit", "verify", "-w", str(ws)).code == 0
    listing = medsum("data", "list", "-w", str(ws))
    assert listing.code == 0 and "notes" in listing.out and not listing.err
    assert _doctor(medsum, ws)[1]["store records"]["status"] == "ok"  # reconciled once, not again
    assert len(_entries(ws, "data.import")) == 1


@pytest.mark.slow  # a subprocess builds a tiny model
def test_model_killed_after_its_rename_is_recorded_by_the_next_command(medsum: Run, ws: Path) -> None:
    killed_at_rename(ws, "models", "after", "models", "init-tiny", "--arch", "t5", "--name", "tt", "--seed", "1")
    manifest = hashlib.sha256((ws / "models" / "tt" / "manifest.json").read_bytes()).hexdigest()
    assert not _entries(ws, "models.import")
    assert not (ws / "models" / "tt" / "manifest.mac").exists()  # keyed only once its import is audited

    listing = medsum("models", "list", "-w", str(ws))  # opening the workspace reconciles
    assert listing.code == 0 and "tt" in listing.out and "T5ForConditionalGeneration" in listing.out
    (entry,) = _entries(ws, "models.import")
    assert entry["fields"]["model"] == "tt" and entry["fields"]["manifest_sha256"] == manifest
    assert entry["fields"]["origin"] == "init-tiny" and entry["fields"]["recovered"] is True
    assert (ws / "models" / "tt" / "manifest.mac").is_file()
    assert medsum("audit", "verify", "-w", str(ws)).code == 0
    assert medsum("models", "verify", "tt", "-w", str(ws)).code == 0
    code, checks = _doctor(medsum, ws)
    assert code == 0 and checks["store records"]["status"] == "ok", checks
    assert len(_entries(ws, "models.import")) == 1


@pytest.mark.slow  # a subprocess de-identifies a dataset
def test_dataset_killed_before_its_rename_drops_the_intent(medsum: Run, ws: Path, corpus: Path) -> None:
    killed_at_rename(ws, "datasets", "before", "data", "import", str(corpus), "--name", "notes", "--strategy", "redact")
    assert len(list(intents_dir(ws).glob("dataset.*.json"))) == 1
    (temp,) = (ws / "datasets").glob(".notes.*.tmp")

    listing = medsum("data", "list", "-w", str(ws))
    assert listing.code == 0 and "No datasets" in listing.out
    assert not list(intents_dir(ws).glob("*.json")) and not open_ledger(ws).datasets()
    assert not _entries(ws, "data.import")
    assert [item.path for item in find_leftovers(ws, min_age_s=0)] == [temp]  # the leftover cleanup's to remove
    age(temp)
    assert medsum("data", "list", "-w", str(ws)).code == 0
    assert not temp.exists()
    imported = medsum("data", "import", str(corpus), "--name", "notes", "--strategy", "redact", "-w", str(ws))
    assert imported.code == 0, imported.err


@pytest.mark.slow  # a subprocess builds a tiny model
def test_model_killed_before_its_rename_leaves_only_leftovers(medsum: Run, ws: Path) -> None:
    killed_at_rename(ws, "models", "before", "models", "init-tiny", "--arch", "t5", "--name", "tt", "--seed", "1")
    temps = sorted((ws / "models").iterdir())
    assert len(temps) == 2 and all(p.name.startswith(".") for p in temps)  # the tiny build and the import copy

    code, checks = _doctor(medsum, ws)
    assert code == 0 and checks["store records"]["detail"] == (
        "interrupted imports reconciled: model tt: dropped the intent of an import killed before its rename")
    assert sorted(item.path for item in find_leftovers(ws, min_age_s=0)) == temps
    for temp in temps:
        age(temp)
    assert medsum("models", "list", "-w", str(ws)).code == 0
    assert list((ws / "models").iterdir()) == []


def test_items_copied_in_by_hand_are_refused_and_reported(medsum: Run, ws: Path, corpus: Path) -> None:
    assert medsum("data", "import", str(corpus), "--name", "notes", "--strategy", "redact", "-w", str(ws)).code == 0
    assert medsum("models", "init-tiny", "--arch", "t5", "--name", "tt", "--seed", "1", "-w", str(ws)).code == 0
    shutil.copytree(ws / "datasets" / "notes", ws / "datasets" / "copied")
    shutil.copytree(ws / "models" / "tt", ws / "models" / "tt-copy")

    datasets = medsum("data", "list", "-w", str(ws))
    assert datasets.code == 0 and "notes" in datasets.out and "copied" not in datasets.out
    assert "warning: dataset 'copied' is in datasets/ but not recorded in the privacy ledger" in datasets.err
    models = medsum("models", "list", "-w", str(ws))
    assert models.code == 0 and "tt " in models.out and "tt-copy" not in models.out
    assert "warning: model tt-copy: manifest.json does not match its MAC" in models.err

    refusals = [
        medsum("data", "show", "copied", "-w", str(ws)),
        medsum("train", "--dataset", "copied", "--model", "tt", "--max-steps", "1", "-w", str(ws)),
        medsum("train", "--dataset", "notes", "--model", "tt-copy", "--max-steps", "1", "-w", str(ws)),
        medsum("models", "verify", "tt-copy", "-w", str(ws)),
        medsum("summarize", "--model", "tt-copy", str(corpus), "-w", str(ws)),
    ]
    reasons = ["dataset 'copied' is in datasets/ but not recorded in the privacy ledger"] * 2 + [
        "model tt-copy: manifest.json does not match its MAC (edited after import, or copied from another model)"] * 3
    for result, reason in zip(refusals, reasons, strict=True):
        assert result.code == 1 and result.err.count("\n") == 1, result.err
        assert result.err.startswith(f"medsum: error: {reason}"), result.err
    assert not (ws / "runs").exists() or not any((ws / "runs").iterdir())

    code, checks = _doctor(medsum, ws)
    assert code == 1
    records = checks["store records"]
    assert records["status"] == "fail"
    assert "dataset copied (datasets/copied) is not recorded in the privacy ledger" in records["detail"]
    assert "model tt-copy: manifest.json does not match its MAC" in records["detail"]
    assert f"move {ws / 'datasets' / 'copied'} out of the workspace" in records["fix"]
    assert f"move {ws / 'models' / 'tt-copy'} out of the workspace" in records["fix"]
    assert "medsum models import DIR --name tt-copy" in records["fix"]
    # Nothing adopted them: not the commands above, not doctor.
    assert [d.name for d in open_ledger(ws).datasets()] == ["notes"]
    assert [e["fields"]["model"] for e in _entries(ws, "models.import")] == ["tt"]
    assert "tt-copy" not in medsum("models", "list", "-w", str(ws)).out
    assert medsum("audit", "verify", "-w", str(ws)).code == 0
