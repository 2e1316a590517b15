"""The SHA-256 manifest of a stored model: writing it, reading it and checking files against it."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from core.atomic import atomic_writer
from core.hashing import sha256_file
from core.models.entry import ModelEntry, ModelError

__all__ = [
    "FORMAT",
    "MANIFEST",
    "MANIFEST_MAC",
    "FileRecord",
    "check_files",
    "copy_hashed",
    "hash_file",
    "read_manifest",
    "write_manifest",
]

MANIFEST = "manifest.json"
#: The manifest's keyed MAC (see :mod:`core.models.signing`); not a checkpoint file.
MANIFEST_MAC = "manifest.mac"
FORMAT = "medsum-model/1"
_CHUNK = 1 << 20

FileRecord = dict[str, Any]  # {"sha256": hex, "size": bytes}


def hash_file(path: Path) -> FileRecord:
    """SHA-256 and size of one file."""
    digest, size = sha256_file(path)
    return {"sha256": digest, "size": size}


def copy_hashed(src: Path, dst: Path) -> FileRecord:
    """Copy ``src`` to the new file ``dst`` (following links) and hash what was written, in one pass."""
    digest = hashlib.sha256()
    size = 0
    with open(src, "rb") as fin, open(dst, "xb") as fout:
        while chunk := fin.read(_CHUNK):
            digest.update(chunk)
            fout.write(chunk)
            size += len(chunk)
    shutil.copymode(src, dst)
    return {"sha256": digest.hexdigest(), "size": size}


def write_manifest(directory: Path, entry: ModelEntry, files: dict[str, FileRecord]) -> None:
    """Write ``directory/manifest.json`` atomically: the format, the entry fields and every file's hash."""
    data = {"format": FORMAT, "entry": entry.to_json(), "files": dict(sorted(files.items()))}
    with atomic_writer(directory / MANIFEST) as handle:
        handle.write(json.dumps(data, indent=2) + "\n")


def read_manifest(directory: Path) -> tuple[ModelEntry, dict[str, FileRecord]]:
    """Read a stored model's manifest; ModelError naming the file when it is missing or malformed."""
    path = directory / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format')!r}")
        entry = ModelEntry.from_json(data["entry"], directory)
        files = {str(k): {"sha256": str(v["sha256"]), "size": int(v["size"])} for k, v in data["files"].items()}
    except FileNotFoundError:
        raise ModelError(f"{path}: missing; this model's files cannot be verified") from None
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ModelError(f"{path}: unreadable manifest ({exc.__class__.__name__})") from None
    return entry, files


def check_files(directory: Path, files: dict[str, FileRecord], *,
                hash_contents: bool = True) -> list[tuple[str, str]]:
    """Re-hash a stored model's files; return ``(name, "changed"|"missing"|"extra")`` for each mismatch.

    Without ``hash_contents`` only sizes are compared (a quick check that misses a same-size edit).
    """
    problems: list[tuple[str, str]] = []
    for name, expected in sorted(files.items()):
        path = directory / name
        if not path.is_file():
            problems.append((name, "missing"))
        elif path.stat().st_size != expected["size"] or (hash_contents and hash_file(path) != expected):
            problems.append((name, "changed"))
    present = {p.relative_to(directory).as_posix() for p in directory.rglob("*") if not p.is_dir()}
    problems += [(name, "extra") for name in sorted(present - set(files) - {MANIFEST, MANIFEST_MAC})]
    return problems
