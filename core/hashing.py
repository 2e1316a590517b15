"""SHA-256 of files, read in chunks: for manifests, fingerprints of inputs and audit entries."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

__all__ = ["sha256_file", "sha256_files"]

_CHUNK = 1 << 20


def sha256_file(path: Path) -> tuple[str, int]:
    """The SHA-256 (hex) and size in bytes of one file."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def sha256_files(paths: Iterable[Path | str]) -> str:
    """One SHA-256 for several files: that of a single file, else the SHA-256 of their sorted
    hashes (one per line), so it depends on the contents only, never on the file names."""
    hashes = sorted(sha256_file(Path(p))[0] for p in paths)
    if len(hashes) == 1:
        return hashes[0]
    return hashlib.sha256("".join(f"{h}\n" for h in hashes).encode("ascii")).hexdigest()
