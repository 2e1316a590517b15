"""A mistyped dataset, model or run name is answered before torch, transformers, peft or opacus
load: each command runs in a fresh interpreter, and what it imported is read from sys.modules."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import ROOT
from tests.keyrings import seed_cryptfile

HEAVY = ("torch", "transformers", "peft", "opacus")

_PROBE = """
import json, sys
from medsum_tui.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "heavy": sorted(m for m in %r if m in sys.modules)}))
""" % (HEAVY,)

COMMANDS = {
    "train": (["train", "--dataset", "nope", "--model", "nope"], "no dataset named 'nope'"),
    "train --model": (["train", "--dataset", "notes", "--model", "nope"], "no model named nope"),
    "train --resume": (["train", "--resume", "nope"], "no run 'nope'"),
    "eval": (["eval", "nope"], "no run 'nope'"),
    "summarize --run": (["summarize", "--run", "nope", "{records}"], "no run 'nope'"),
    "summarize --model": (["summarize", "--model", "nope", "{records}"], "no model named nope"),
    "models verify": (["models", "verify", "nope"], "no model named nope"),
    "data show": (["data", "show", "nope"], "no dataset named 'nope'"),
}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An initialized workspace holding a dataset entry named notes (so that a command gets past
    the dataset to the model), and a records file beside it."""
    root = tmp_path_factory.mktemp("names") / "ws"
    env = {**os.environ, "MEDSUM_KEYRING": "cryptfile", "MEDSUM_KEYRING_PASSPHRASE": "test"}
    subprocess.run([sys.executable, "-m", "medsum_tui", "init", "-w", str(root)], cwd=ROOT, env=env, check=True,
                   capture_output=True, stdin=subprocess.DEVNULL)
    seed_cryptfile(root)
    (root / "datasets" / "notes").mkdir(parents=True)
    (root / "datasets" / "notes" / "dataset.json").write_text("{}\n")
    (root.parent / "records.jsonl").write_text('{"id": "r-1", "note": "seen today"}\n')
    return root


@pytest.mark.parametrize(("args", "message"), COMMANDS.values(), ids=COMMANDS.keys())
def test_an_unknown_name_is_answered_before_the_heavy_imports(workspace: Path, args: list[str], message: str) -> None:
    argv = [a.format(records=workspace.parent / "records.jsonl") for a in args] + ["-w", str(workspace)]
    env = {**os.environ, "MEDSUM_KEYRING": "cryptfile", "MEDSUM_KEYRING_PASSPHRASE": "test",
           "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", _PROBE, *argv], cwd=ROOT, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120)
    outcome = json.loads(proc.stdout.splitlines()[-1])
    assert outcome["code"] == 1 and message in proc.stderr, proc.stderr
    assert outcome["heavy"] == [], f"{' '.join(args)} imported {outcome['heavy']} before naming the unknown name"
