"""The options every command that reads records takes for FHIR input, and how they apply."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from core.config import MedsumConfig
from core.errors import MedsumError

__all__ = ["FhirLevelOption", "FhirMaxTokensOption", "StrictOption", "fhir_overrides", "with_fhir"]

FhirLevelOption = Annotated[str | None, typer.Option(
    "--fhir-level", help="FHIR input: one record per encounter or per patient (default: config records.fhir_level).")]
FhirMaxTokensOption = Annotated[int | None, typer.Option(
    "--fhir-max-tokens", min=16, help="FHIR input: model input budget in words; the rest is cut and reported "
                                      "(default: config records.fhir_max_tokens, 384).")]
StrictOption = Annotated[bool, typer.Option(
    "--strict", help="FHIR input: validate every Bundle and resource against FHIR R4B first.")]


def fhir_overrides(level: str | None, max_tokens: int | None, strict: bool) -> dict[str, Any]:
    """The ``records`` settings the FHIR options change (only those given)."""
    if level is not None and level not in ("encounter", "patient"):
        raise MedsumError(f"--fhir-level {level!r}: use encounter or patient", exit_code=2)
    update: dict[str, Any] = {}
    if level is not None:
        update["fhir_level"] = level
    if max_tokens is not None:
        update["fhir_max_tokens"] = max_tokens
    if strict:
        update["fhir_strict"] = True
    return update


def with_fhir(config: MedsumConfig, level: str | None, max_tokens: int | None, strict: bool) -> MedsumConfig:
    """``config`` with the FHIR options applied."""
    update = fhir_overrides(level, max_tokens, strict)
    if not update:
        return config
    return config.model_copy(update={"records": config.records.model_copy(update=update)})
