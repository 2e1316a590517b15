"""Turn a record into model input text and pick out its reference summary.

Input is the configured ``input_fields`` in their order, or else every top-level field
that is not the id, the target or an identifier, in alphabetical order. Nested objects
become ``key.sub: value`` lines, sorted by key, so the same record always reads the same.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from core.config import RecordsConfig
from privacy.deid.settings import fold_key

__all__ = ["normalize_key", "flatten_lines", "has_input_text", "model_input", "target_text"]

def normalize_key(key: str) -> str:
    """Fold a field name so ``patientName``, ``patient_name`` and ``Patient-Name`` compare equal."""
    return fold_key(key)


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def flatten_lines(value: Any, prefix: str, skip: frozenset[str] = frozenset()) -> list[str]:
    """Flatten a JSON value into ``key: value`` lines; keys whose folded name is in ``skip`` are left out.

    Lists of scalars join with ``; ``; lists holding objects index them as ``key[0].sub``.
    Empty strings, nulls and empty containers produce no line.
    """
    if isinstance(value, dict):
        lines: list[str] = []
        for key in sorted(value):
            if normalize_key(key) in skip:
                continue
            lines += flatten_lines(value[key], f"{prefix}.{key}" if prefix else key, skip)
        return lines
    if isinstance(value, list):
        if all(not isinstance(item, (dict, list)) for item in value):
            items = [_scalar(item) for item in value if item is not None and _scalar(item)]
            return [f"{prefix}: {'; '.join(items)}"] if items else []
        lines = []
        for i, item in enumerate(value):
            lines += flatten_lines(item, f"{prefix}[{i}]", skip)
        return lines
    if value is None:
        return []
    text = _scalar(value)
    return [f"{prefix}: {text}"] if text else []


def _input_keys(data: dict[str, Any], config: RecordsConfig, skip: frozenset[str]) -> Iterable[str]:
    if config.input_fields is not None:
        return [k for k in config.input_fields if k in data]
    excluded = {normalize_key(config.id_field), normalize_key(config.target_field)} | skip
    return sorted(k for k in data if normalize_key(k) not in excluded)


@lru_cache(maxsize=8)
def _folded(keys: tuple[str, ...]) -> frozenset[str]:
    return frozenset(normalize_key(k) for k in keys)


#: A record built from FHIR (:mod:`core.fhir.records`) carries its model input whole in this
#: field, already selected and ordered within the token budget.
FHIR_TEXT_FIELD = "fhir_text"
FHIR_LEVEL_FIELD = "fhir_level"


def model_input(data: dict[str, Any], config: RecordsConfig) -> str:
    """The record's model input: its input fields flattened to ``key: value`` lines, or the
    text a FHIR record was built with (unless ``input_fields`` says otherwise)."""
    if config.input_fields is None and FHIR_LEVEL_FIELD in data and isinstance(data.get(FHIR_TEXT_FIELD), str):
        return data[FHIR_TEXT_FIELD].strip()
    skip = _folded(tuple(config.identifier_fields))
    lines: list[str] = []
    for key in _input_keys(data, config, skip):
        lines += flatten_lines(data[key], key, skip)
    return "\n".join(lines)


def has_input_text(data: dict[str, Any], config: RecordsConfig) -> bool:
    """Whether :func:`model_input` of the record holds any text, without building all of it:
    each line it joins reads ``key: value``, never blank, so the first line answers."""
    if config.input_fields is None and FHIR_LEVEL_FIELD in data and isinstance(data.get(FHIR_TEXT_FIELD), str):
        return bool(data[FHIR_TEXT_FIELD].strip())
    skip = _folded(tuple(config.identifier_fields))
    return any(flatten_lines(data[key], key, skip) for key in _input_keys(data, config, skip))


def target_text(data: dict[str, Any], config: RecordsConfig) -> str | None:
    """The record's reference summary, stripped, or ``None`` when it has none."""
    value = data.get(config.target_field)
    return value.strip() if isinstance(value, str) and value.strip() else None
