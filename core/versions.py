"""Installed versions of the libraries MedSum depends on (for doctor and for run records)."""

from __future__ import annotations

from importlib import metadata

__all__ = ["LIBRARIES", "library_versions"]

#: The libraries whose versions doctor lists and each training run records.
LIBRARIES: tuple[str, ...] = (
    "torch", "transformers", "peft", "opacus", "datasets", "evaluate", "tokenizers",
    "safetensors", "textual", "typer", "pydantic", "keyring",
)


def library_versions(names: tuple[str, ...] = LIBRARIES) -> dict[str, str | None]:
    """Each library's installed version, or None when it is not installed."""
    found: dict[str, str | None] = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found
