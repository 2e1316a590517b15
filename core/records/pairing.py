"""Reference summaries kept apart from the records they belong to (FHIR exports carry none).

A summaries file is JSON Lines, one ``{"id": RECORD_ID, "summary": TEXT}`` a line (the id and
target field names of the records config), or one JSON object mapping record ids to texts.
"""

from __future__ import annotations

import json
from pathlib import Path

from core.errors import InputError
from core.records.validate import json_type

__all__ = ["read_summaries"]


def read_summaries(path: Path, id_field: str = "id", target_field: str = "summary") -> dict[str, str]:
    """Record id -> reference summary from ``path``; a bad line is a one-line error naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the summaries file ({exc.__class__.__name__})") from None
    stripped = text.strip()
    try:
        whole = json.loads(stripped) if stripped else {}
    except (ValueError, RecursionError):  # malformed, a number Python cannot hold, too deep
        whole = None
    if isinstance(whole, dict) and id_field not in whole:
        bad = [key for key, value in whole.items() if not isinstance(value, str) or not value.strip()]
        if bad:
            raise InputError(f"{path}: record {bad[0]!r}: the summary must be a non-empty string")
        return {str(key).strip(): value.strip() for key, value in whole.items()}
    summaries: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{number}: malformed JSON: {exc.msg} at column {exc.colno}") from None
        except ValueError:  # an int of more digits than sys.get_int_max_str_digits
            raise InputError(f"{path}:{number}: holds a number too long to read") from None
        except RecursionError:
            raise InputError(f"{path}:{number}: nested too deeply to parse") from None
        if not isinstance(row, dict):
            raise InputError(f"{path}:{number}: expected an object, found {json_type(row)}")
        rid, summary = row.get(id_field), row.get(target_field)
        if not isinstance(rid, (str, int)) or isinstance(rid, bool) or not str(rid).strip():
            raise InputError(f"{path}:{number}: field {id_field!r} must be a string or an integer")
        if not isinstance(summary, str) or not summary.strip():
            raise InputError(f"{path}:{number}: record {str(rid)!r}: field {target_field!r} must be a non-empty string")
        if str(rid).strip() in summaries:
            raise InputError(f"{path}:{number}: record {str(rid)!r} has a second summary")
        summaries[str(rid).strip()] = summary.strip()
    return summaries
