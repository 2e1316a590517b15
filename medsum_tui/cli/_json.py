"""The one shape of every ``--json`` output, so that scripts can tell what they read.

Each command prints one JSON object: ``{"schema": "medsum.<kind>", "schema_version": N, ...}``
followed by the command's own fields. ``schema_version`` goes up only when a field is removed
or changes meaning; new fields may appear at any version. The schemas are listed in
``docs/cli.md`` ("JSON output").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import typer

__all__ = ["SCHEMA_VERSION", "emit_json", "json_document"]

SCHEMA_VERSION = 1


def json_document(kind: str, fields: Mapping[str, Any], version: int = SCHEMA_VERSION) -> dict[str, Any]:
    """``fields`` under the schema header for ``kind`` (``"runs"``, ``"budget"``...)."""
    if "schema" in fields or "schema_version" in fields:
        raise ValueError(f"json_document({kind!r}): the fields may not set the schema header")
    return {"schema": f"medsum.{kind}", "schema_version": version, **fields}


def emit_json(kind: str, fields: Mapping[str, Any], version: int = SCHEMA_VERSION) -> None:
    """Print ``fields`` as the one JSON object of a ``--json`` command (always printed, even
    under ``--quiet``: it is the command's result, not chatter)."""
    typer.echo(json.dumps(json_document(kind, fields, version), indent=2, sort_keys=False, default=str))
