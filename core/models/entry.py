"""What the model store records about one model, its error type, and valid model names."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from core.errors import MedsumError
from core.naming import check_name as check_store_name

__all__ = ["ModelEntry", "ModelError", "check_name"]


class ModelError(MedsumError):
    """A model cannot be imported, found, verified or loaded; the message names the model or file.

    ``exit_code`` is 1, or 2 for usage-type errors (a bad name or architecture).
    """


@dataclass(frozen=True)
class ModelEntry:
    """One stored model: what it is, how big, where it came from, and where it lives."""

    name: str
    family: str  # "bart" | "t5"
    model_type: str  # config.model_type: "bart", "t5", "mt5"
    architecture: str  # the class it loads with, e.g. "BartForConditionalGeneration"
    parameters: int
    size_bytes: int
    source: str  # "import:<dirname>" or "init-tiny"
    allow_pickle: bool  # True when pickle (.bin) weights were accepted with --allow-pickle
    imported_at: str  # ISO-8601 UTC
    path: Path  # the stored checkpoint directory

    def to_json(self) -> dict[str, Any]:
        """The fields the manifest stores (all but ``path``, which is where the manifest is)."""
        data = asdict(self)
        del data["path"]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any], path: Path) -> ModelEntry:
        """Rebuild an entry from a manifest's ``entry`` object; KeyError/TypeError if malformed."""
        return cls(
            name=str(data["name"]), family=str(data["family"]), model_type=str(data["model_type"]),
            architecture=str(data["architecture"]), parameters=int(data["parameters"]),
            size_bytes=int(data["size_bytes"]), source=str(data["source"]),
            allow_pickle=bool(data["allow_pickle"]), imported_at=str(data["imported_at"]), path=Path(path),
        )


def check_name(name: str) -> str:
    """Return ``name`` if it is a valid model name (see :func:`core.naming.check_name`), else raise."""
    return check_store_name(name, "model", ModelError)