"""Helpers shared by the model store tests (core and CLI): tiny checkpoints built once per session."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from core.models import init_tiny
from core.models.tiny import synthetic_texts

#: A few synthetic records are plenty for a tokenizer the tests only need to work.
_TEXT_RECORDS = 40


def build_checkpoints(base: Path) -> dict[str, Path]:
    """Tiny BART and T5 checkpoint directories (as a user would import them), under ``base``.

    Built with ``init_tiny`` in a scratch store, then copied out without the manifest and its MAC.
    """
    scratch = base / "scratch-workspace"
    scratch.mkdir(parents=True)
    texts = synthetic_texts(_TEXT_RECORDS, seed=1)
    out: dict[str, Path] = {}
    for arch in ("bart", "t5"):
        entry = init_tiny(scratch, arch, f"src-{arch}", texts, seed=1)
        dest = base / f"{arch}-checkpoint"
        shutil.copytree(entry.path, dest, ignore=shutil.ignore_patterns("manifest.json", "manifest.mac"))
        out[arch] = dest
    return out


def copy_checkpoint(src: Path, dest: Path) -> Path:
    """A private copy of a checkpoint directory that a test may change."""
    shutil.copytree(src, dest)
    return dest


def write_config(directory: Path, **fields: object) -> Path:
    """Write ``config.json`` with ``fields`` into ``directory`` (created if needed)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps(fields), encoding="utf-8")
    return directory


def store_contents(root: Path) -> list[str]:
    """Everything in the store directory, hidden temporaries included."""
    store = root / "models"
    return sorted(p.name for p in store.iterdir()) if store.is_dir() else []
