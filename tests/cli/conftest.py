"""Run the ``medsum`` CLI in-process (fast) or as a real subprocess (for end-to-end checks)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest

from core.workspace import Workspace
from medsum_tui.cli import main
from privacy.offline import install_network_guard
from tests.keyrings import seed_cryptfile

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Outcome:
    """What a CLI run printed and returned."""

    code: int
    out: str
    err: str


@pytest.fixture
def medsum(capsys: pytest.CaptureFixture[str]):
    """Call ``main(argv)`` in this process and capture its output."""

    def _run(*args: str) -> Outcome:
        capsys.readouterr()
        try:
            code = main(list(args))
        finally:
            install_network_guard(enabled=True, source="test")
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return _run


def run_subprocess(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> Outcome:
    """Run ``python -m medsum_tui ARGS`` with no stdin, as a user's shell would. With an
    encrypted-file keyring, the workspace's file is first seeded with the in-memory secrets."""
    full = {**os.environ, **(env or {})}
    if full.get("MEDSUM_KEYRING") == "cryptfile":
        ws = args[args.index("--workspace") + 1] if "--workspace" in args else full.get("MEDSUM_HOME")
        if ws and Path(ws).is_dir():
            seed_cryptfile(Path(ws), full.get("MEDSUM_KEYRING_PASSPHRASE", "test"))
    proc = subprocess.run(
        [sys.executable, "-m", "medsum_tui", *args],
        cwd=ROOT, env=full, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout,
    )
    return Outcome(proc.returncode, proc.stdout, proc.stderr)


def train_then_kill(ws: str, args: list[str], events: Path, *, after_steps: int, sig: int | None = None) -> str:
    """Start ``medsum train ARGS --events EVENTS`` as a subprocess (with an encrypted-file
    keyring), ``kill -9`` it (or send it ``sig``) once it has reported ``after_steps`` steps, and
    return the run id."""
    import json
    import signal
    import time

    seed_cryptfile(Path(ws))
    proc = subprocess.Popen(
        [sys.executable, "-m", "medsum_tui", "train", "--workspace", ws, *args, "--events", str(events)],
        cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "MEDSUM_HOME": ws, "MEDSUM_KEYRING": "cryptfile", "MEDSUM_KEYRING_PASSPHRASE": "test"})
    deadline = time.monotonic() + 240
    step = 0
    while step < after_steps and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        if events.exists():
            steps = [e["step"] for e in map(json.loads, events.read_text().splitlines()) if e["event"] == "step"]
            step = max(steps, default=0)
    assert proc.poll() is None, "training ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL if sig is None else sig)
    proc.wait(timeout=60)
    return next(e for e in map(json.loads, events.read_text().splitlines()) if e["event"] == "start")["run_id"]


@contextlib.contextmanager
def tiny_model_workspace(root: Path, *, records: int, seed: int, datasets: tuple[str, ...] = ("notes",),
                         arch: str = "t5", model: str = "tt", tokenizer_targets: bool = False) -> Iterator[Workspace]:
    """For module-scoped fixtures: a workspace at ``root`` with ``records`` synthetic records
    imported (redacted) as each of ``datasets`` and a tiny ``arch`` model ``model`` whose tokenizer
    is trained on the first dataset's training sources (and targets). It is built, and the
    ``with`` body runs, under the session's in-memory keyring: the per-test one is not up yet at
    module scope, and it starts with the session keyring's secrets (the workspace's keys, and
    the audit key that keys the model's manifest)."""
    from core.datasets import import_dataset, load_splits
    from core.models import init_tiny
    from core.synth import generate_corpus, write_corpus
    from core.workspace import init_workspace, resolve_workspace
    from tests.conftest import SESSION_KEYRING

    previous = keyring.get_keyring()
    keyring.set_keyring(SESSION_KEYRING)  # the per-test keyrings start with its secrets
    try:
        opened, _ = init_workspace(resolve_workspace(root))
        corpus = root.parent / f"{root.name}-records.jsonl"
        write_corpus(generate_corpus(records, seed), corpus, None)
        for name in datasets:
            import_dataset(opened, corpus, name, strategy="redact")
        train = load_splits(opened.root, datasets[0])["train"]
        init_tiny(opened.root, arch, model, [*train["source"], *(train["target"] if tokenizer_targets else [])])
        yield opened
    finally:
        keyring.set_keyring(previous)
