"""Parse one JSON value of a record file at a position, turning every failure into a
:class:`Problem` with the file line and column, never a value.

Shared by the readers of JSON Lines, single objects and (streamed) JSON arrays.
"""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass
from typing import Any

from core.records.problems import Location, Problem

__all__ = ["SURROGATE_ESCAPE", "WS", "decode_at", "decode_prefix", "number_problem", "parse_error", "skip_ws"]

#: The whitespace JSON allows between values.
WS = " \t\r\n"
#: A JSON escape of a surrogate code point (\\uD800 to \\uDFFF): text decoded as strict UTF-8
#: holds no surrogate, so this escape is the only way one gets into a parsed value.
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class _ShapeError(ValueError):
    """Valid-looking JSON that a record may not contain (duplicate keys, NaN)."""


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """The object of ``pairs``; a key given twice fails, naming the first key that repeats.

    ``dict`` builds it in C; it is shorter than ``pairs`` exactly when some key repeats, and
    only then are the keys walked, in order, to find which."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _ShapeError(f"duplicate key {key!r} in one object")
            seen.add(key)
    return obj


def _reject_constant(name: str) -> Any:
    raise _ShapeError(f"{name} is not valid JSON")


class _NumberError(ValueError):
    """A number that parses as JSON but cannot be held: too many digits for an ``int``
    (Python's ``sys.get_int_max_str_digits``) or too large for a float (it would be infinity)."""


def _parse_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _NumberError("float")
    return value


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs_hook, parse_constant=_reject_constant,
                            parse_float=_parse_float)


@dataclass(frozen=True)
class _Unreadable:
    """Stands in for a number that cannot be held, while :func:`number_problem` finds it."""

    digits: int
    is_float: bool


def _locate_int(text: str) -> int | _Unreadable:
    limit = sys.get_int_max_str_digits()
    digits = len(text) - text.startswith("-")
    return _Unreadable(digits, False) if limit and digits > limit else int(text)


def _locate_float(text: str) -> float | _Unreadable:
    value = float(text)
    return _Unreadable(len(text), True) if math.isinf(value) else value


_LOCATOR = json.JSONDecoder(object_pairs_hook=_pairs_hook, parse_constant=_reject_constant,
                            parse_float=_locate_float, parse_int=_locate_int)


def number_problem(text: str, pos: int, location: Location, id_field: str) -> Problem:
    """The problem for a value holding a number that cannot be held, naming the record (by
    ``id_field``, when it is readable) and the field; the number itself is never quoted.

    Parsed again with hooks that leave a marker where the number was: this runs only after
    the fast parse failed, so good records pay nothing for it."""
    try:
        value, _ = _LOCATOR.raw_decode(text, pos)
    except (ValueError, RecursionError):
        return Problem(location, "holds a number too large to read")
    record = None
    if isinstance(value, dict):
        rid = value.get(id_field)
        if isinstance(rid, str) and rid.strip() and rid.isprintable():
            record = rid.strip()
        elif isinstance(rid, int) and not isinstance(rid, bool):
            record = str(rid)
    stack: list[tuple[Any, str | None]] = [(value, None)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, _Unreadable):
            if item.is_float:
                message = "holds a number too large to read: it overflows a 64-bit float"
            else:
                limit = sys.get_int_max_str_digits()
                message = f"holds a number too long to read: {item.digits:,} digits, over the limit of {limit:,}"
            return Problem(location, message, record, path)
        if isinstance(item, dict):
            stack.extend((v, f"{path}.{k}" if path else str(k)) for k, v in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend((v, f"{path or ''}[{i}]") for i, v in reversed(list(enumerate(item))))
    return Problem(location, "holds a number too large to read", record)


def parse_error(exc: Exception, text: str, location: Location, line_offset: int, unit: str,
                column_offset: int = 0) -> Problem:
    """Turn a decoder failure into a problem at the right file line and column.

    ``line_offset`` is the file line before ``text`` starts (0 when ``text`` is the file), and
    ``column_offset`` the characters of its first line that come before ``text``.
    """
    if isinstance(exc, json.JSONDecodeError):
        where = Location(location.file, line_offset + exc.lineno, location.index)
        if exc.msg.startswith("Unterminated string") or exc.pos >= len(text.rstrip(WS)):
            return Problem(where, f"the JSON ends early: the {unit} looks truncated")
        column = exc.colno + (column_offset if exc.lineno == 1 else 0)
        return Problem(where, f"malformed JSON: {exc.msg} at column {column}")
    if isinstance(exc, RecursionError):
        return Problem(location, "nested too deeply to parse")
    return Problem(location, str(exc))


def decode_at(
    text: str, pos: int, location: Location, line_offset: int = 0, unit: str = "file", id_field: str = "id",
    column_offset: int = 0,
) -> tuple[Any, int] | Problem:
    """The JSON value that starts at ``text[pos]`` and the position after it, or the problem
    (file line and column counted from ``line_offset`` and ``column_offset``, as in
    :func:`parse_error`; ``unit`` is what looks truncated: file or line)."""
    try:
        return _DECODER.raw_decode(text, pos)
    except (json.JSONDecodeError, _ShapeError, RecursionError) as exc:
        return parse_error(exc, text, location, line_offset, unit, column_offset)
    except ValueError:  # an int over sys.get_int_max_str_digits, or a float that overflows
        return number_problem(text, pos, location, id_field)


#: How near the end of the text a parse error may be and still come from the text ending inside
#: a value (a literal, a number or a ``\\u`` escape cut short: ``fals``, ``-``, ``1e+``, ``\\u12``).
_CUT_SHORT = 16
_DIGITS = frozenset("0123456789")


def _cut_short(exc: json.JSONDecodeError, text: str) -> bool:
    """Whether a decoder failure may only mean that ``text`` ends before the value does."""
    return exc.msg.startswith("Unterminated string") or exc.pos >= len(text) - _CUT_SHORT


def decode_prefix(text: str, pos: int, location: Location, line_offset: int = 0, id_field: str = "id",
                  column_offset: int = 0) -> tuple[Any, int] | Problem | None:
    """:func:`decode_at` for ``text`` that is only the start of what is left of a file: None
    when the value may go on past the end of ``text`` (read more and ask again); a value or
    a problem only when more text could not change it."""
    try:
        value, end = _DECODER.raw_decode(text, pos)
    except json.JSONDecodeError as exc:
        if _cut_short(exc, text):
            return None
        return parse_error(exc, text, location, line_offset, "file", column_offset)
    except (_ShapeError, RecursionError) as exc:
        return parse_error(exc, text, location, line_offset, "file", column_offset)
    except ValueError:  # a number that cannot be held: the whole value is needed to name its field
        try:
            _LOCATOR.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            if _cut_short(exc, text):
                return None
        except (ValueError, RecursionError):
            pass
        return number_problem(text, pos, location, id_field)
    if end > len(text) - _CUT_SHORT and text[end - 1] in _DIGITS:
        return None  # a number near the end may go on ("1" of "1.5")
    return value, end


def skip_ws(text: str, pos: int) -> int:
    """The first position at or after ``pos`` that is not JSON whitespace (``len(text)`` if none)."""
    while pos < len(text) and text[pos] in WS:
        pos += 1
    return pos
