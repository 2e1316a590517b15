"""Validate one parsed record: its shape (depth, field sizes) and, with pydantic, its
id, target and patient fields.

Messages name the field and describe the JSON type found, never the value, so no PHI
reaches the terminal or a report.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError, create_model

from core.config import RecordsConfig
from core.records.flatten import has_input_text
from core.records.problems import Location, Problem
from core.records.reader import RawRecord

__all__ = ["LONE_SURROGATE", "Record", "has_lone_surrogate", "json_type", "lone_surrogate_fields", "validate_record"]

#: The problem message for a string that UTF-8 cannot encode (it never quotes the string).
LONE_SURROGATE = "holds a lone surrogate code point (invalid Unicode)"
_KEY_SURROGATE = "has a key that holds a lone surrogate code point (invalid Unicode)"
_FIELD_NAME_SURROGATE = "a field name holds a lone surrogate code point (invalid Unicode)"
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Record:
    """A valid record: its id, a keyed hash of its patient, the data and where it came from.

    ``patient_key`` is an HMAC of the patient fields, never the fields themselves;
    ``patient_from`` says which fields gave it (``"id"`` when the record has none).
    """

    record_id: str
    patient_key: str
    patient_from: str
    data: dict[str, Any]
    location: Location


def json_type(value: Any) -> str:
    """The JSON name of a value's type, for messages that must not quote the value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def has_lone_surrogate(text: str) -> bool:
    """Whether ``text`` holds a surrogate code point (U+D800 to U+DFFF), which UTF-8 cannot encode.

    JSON's ``\\ud800`` escape parses into one (an escaped pair parses into one valid
    character). ASCII text, most of it, is answered without a scan.
    """
    return not text.isascii() and _SURROGATE.search(text) is not None


def _bad_keys(obj: dict[Any, Any]) -> list[Any]:
    """The keys of ``obj`` that hold a surrogate; one C-level pass when every key is ASCII."""
    try:
        if "".join(obj).isascii():
            return []
    except TypeError:  # a non-string key (not from JSON): check one by one
        pass
    return [k for k in obj if isinstance(k, str) and has_lone_surrogate(k)]


def lone_surrogate_fields(value: Any, *, skip: Callable[[str, Any, Any], bool] | None = None) -> list[tuple[str | None, str]]:
    """Every place in a parsed JSON value where a string or a key holds a surrogate.

    Returns ``(path, message)`` pairs: the path of the string (``note``, ``a.b[2]``) with
    :data:`LONE_SURROGATE`, or the path of the object whose key does (``None`` at the top)
    with a message saying so; a bad key's path is never formatted, so nothing of it is shown.
    ``skip(path, key, child)`` may return True to leave a child out (it is checked elsewhere).
    """
    found: list[tuple[str | None, str]] = []
    stack: list[tuple[Any, str, Any, bool]] = [(value, "", None, False)]
    while stack:
        item, parent, key, in_list = stack.pop()
        if isinstance(item, str):
            if has_lone_surrogate(item):
                found.append((_join(parent, key, in_list) or None, LONE_SURROGATE))
        elif isinstance(item, dict):
            path = _join(parent, key, in_list) if key is not None else parent
            bad = _bad_keys(item)
            if bad:
                found.append((path or None, _KEY_SURROGATE if path else _FIELD_NAME_SURROGATE))
            for k, v in item.items():
                if k in bad or (skip is not None and skip(path, k, v)):
                    continue
                if isinstance(v, (str, dict, list)):
                    stack.append((v, path, k, False))
        elif isinstance(item, list):
            path = _join(parent, key, in_list) if key is not None else parent
            stack.extend((v, path, i, True) for i, v in enumerate(item) if isinstance(v, (str, dict, list)))
    return sorted(found, key=lambda f: f[0] or "")


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("blank")
    return value


_Text = Annotated[StrictStr, AfterValidator(_not_blank)]
_Key = _Text | StrictInt


@lru_cache(maxsize=8)
def _envelope(id_field: str, target_field: str, patient_fields: tuple[str, ...], require_target: bool) -> type[BaseModel]:
    """A pydantic model of the fields MedSum relies on; all other fields pass through."""
    fields: dict[str, Any] = {"rid": (_Key, Field(alias=id_field))}
    if require_target:
        fields["target"] = (_Text, Field(alias=target_field))
    else:
        fields["target"] = (_Text | None, Field(None, alias=target_field))
    for i, name in enumerate(patient_fields):
        if name not in (id_field, target_field):
            fields[f"patient_{i}"] = (_Key | None, Field(None, alias=name))
    return create_model("RecordEnvelope", __config__=ConfigDict(extra="allow"), **fields)


def _pydantic_problems(
    exc: ValidationError, data: dict[str, Any], target_field: str, location: Location, rid: str | None
) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else ""
        if field in seen:  # a union reports once per member; say it once
            continue
        seen.add(field)
        if err["type"] == "missing":
            message = "is missing"
        elif field in data and isinstance(data[field], str):
            message = "is empty"
        else:
            expected = "a string" if field == target_field else "a string or an integer"
            found = json_type(data.get(field))
            message = f"must be {expected}, found {found}"
        problems.append(Problem(location, message, rid, field))
    return problems


def _shape_problems(data: dict[str, Any], config: RecordsConfig, location: Location, rid: str | None,
                    bad_top: list[Any], unicode: bool) -> list[Problem]:
    """Fields nested deeper than ``max_depth``, longer than ``max_field_chars``, or (with
    ``unicode``) holding a lone surrogate, in a value or a key, which no UTF-8 output can hold.

    Paths are formatted only for containers and offending leaves: most values are short
    strings, and this runs on every record. A bad key is named by its object's path, and
    what it holds is not walked, so the key never reaches a message.
    """
    if not unicode and _fits(data.values(), 1, config.max_depth, config.max_field_chars):
        return []  # the walk below would find nothing: it looks for what _fits rules out
    problems: list[Problem] = []
    deep_fields: set[str] = set()
    if bad_top:
        problems.append(Problem(location, _FIELD_NAME_SURROGATE, rid))
    # (value, depth, top-level field, parent path, key, parent is a list)
    stack: list[tuple[Any, int, str, str, Any, bool]] = [
        (v, 1, k, "", k, False) for k, v in data.items() if not bad_top or k not in bad_top]
    while stack:
        value, depth, top, parent, key, in_list = stack.pop()
        if isinstance(value, str):
            if len(value) > config.max_field_chars:
                problems.append(Problem(
                    location,
                    f"is {len(value):,} characters, over the limit of {config.max_field_chars:,} (records.max_field_chars)",
                    rid, _join(parent, key, in_list),
                ))
            if unicode and not value.isascii() and _SURROGATE.search(value):
                problems.append(Problem(location, LONE_SURROGATE, rid, _join(parent, key, in_list)))
        elif isinstance(value, (dict, list)):
            if depth >= config.max_depth:
                if top not in deep_fields:
                    deep_fields.add(top)
                    problems.append(Problem(
                        location, f"nests deeper than {config.max_depth} levels (records.max_depth)", rid, top
                    ))
                continue
            path = _join(parent, key, in_list)
            if isinstance(value, dict):
                bad = _bad_keys(value) if unicode else []
                if bad:
                    problems.append(Problem(location, _KEY_SURROGATE, rid, path))
                stack.extend((v, depth + 1, top, path, k, False) for k, v in value.items() if not bad or k not in bad)
            else:
                stack.extend((v, depth + 1, top, path, i, True) for i, v in enumerate(value))
    return sorted(problems, key=lambda p: p.field or "")


def _fits(values: Iterable[Any], depth: int, max_depth: int, max_chars: int) -> bool:
    """Whether no string of ``values`` (at ``depth``) or below is longer than ``max_chars`` and no
    object or array is nested ``max_depth`` deep: :func:`_shape_problems`' limits, with no paths
    built, as nearly every record is within them (the recursion stops at ``max_depth``)."""
    for value in values:
        if isinstance(value, str):
            if len(value) > max_chars:
                return False
        elif isinstance(value, (dict, list)):
            if depth >= max_depth or not _fits(value.values() if isinstance(value, dict) else value, depth + 1,
                                               max_depth, max_chars):
                return False
    return True


def _join(parent: str, key: Any, in_list: bool) -> str:
    if in_list:
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else str(key)


def _patient(model: BaseModel, data: dict[str, Any], config: RecordsConfig, salt: str, rid: str) -> tuple[str, str]:
    for group in config.patient_keys:
        values = [data.get(name) for name in group]
        if all(isinstance(v, (str, int)) and not isinstance(v, bool) and str(v).strip() for v in values):
            folded = "\x1f".join(" ".join(str(v).split()).casefold() for v in values)
            label = "+".join(group)
            break
    else:
        folded, label = f"record\x1f{rid}", "id"
    digest = hmac.new(salt.encode(), f"{label}\x1e{folded}".encode(), hashlib.sha256).hexdigest()
    return digest[:32], label


def validate_record(raw: RawRecord, config: RecordsConfig, salt: str, *, require_target: bool = True) -> Record | list[Problem]:
    """Check one parsed value; return the :class:`Record`, or every problem found in it."""
    location = raw.location
    data = raw.value
    if not isinstance(data, dict):
        return [Problem(location, f"a record must be a JSON object, found {json_type(data)}")]
    raw_id = data.get(config.id_field)
    rid = str(raw_id) if isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool) and str(raw_id).strip() else None
    if rid is not None and raw.may_hold_surrogates and has_lone_surrogate(rid):
        rid = None  # not printable as UTF-8; its own problem names the id field
    unicode = raw.may_hold_surrogates  # False: its source text has no surrogate escape
    bad_top = _bad_keys(data) if unicode else []
    problems = _shape_problems(data, config, location, rid, bad_top, unicode)
    envelope = _envelope(config.id_field, config.target_field, tuple(f for g in config.patient_keys for f in g), require_target)
    model = None
    try:  # pydantic rejects a key it cannot encode; that key is reported above
        model = envelope.model_validate({k: v for k, v in data.items() if k not in bad_top} if bad_top else data)
    except ValidationError as exc:
        problems += _pydantic_problems(exc, data, config.target_field, location, rid)
    if not problems and not has_input_text(data, config):
        problems.append(Problem(location, "has no input text: every input field is empty or an identifier", rid))
    if problems or model is None or rid is None:
        return problems
    patient_key, patient_from = _patient(model, data, config, salt, rid)
    return Record(rid.strip(), patient_key, patient_from, data, location)
