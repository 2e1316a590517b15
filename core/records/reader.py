"""Read raw JSON values from record files: a JSON array, JSON Lines, one object per file,
or a directory of such files.

The reader only parses. Every parse failure becomes a :class:`Problem` with the file, line
and column; nothing here raises for bad content, so one bad line never hides the others.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from core.errors import InputError
from core.records.problems import Location, Problem

__all__ = ["RawRecord", "RECORD_SUFFIXES", "discover_files", "read_file"]

#: File suffixes read from a directory (case-insensitive).
RECORD_SUFFIXES = frozenset({".json", ".jsonl", ".ndjson"})
_JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
_BOM = b"\xef\xbb\xbf"
_WS = " \t\r\n"
#: A JSON escape of a surrogate code point (\\uD800 to \\uDFFF): text decoded as strict UTF-8
#: holds no surrogate, so this escape is the only way one gets into a parsed value.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


@dataclass(frozen=True)
class RawRecord:
    """A parsed JSON value and where it came from; not yet validated.

    ``may_hold_surrogates`` is False when the text it was parsed from has no surrogate
    escape, so validation can skip looking for lone surrogates in it.
    """

    location: Location
    value: Any
    may_hold_surrogates: bool = True


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
    """Stands in for a number that cannot be held, while :func:`_number_problem` finds it."""

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


def _number_problem(text: str, pos: int, location: Location, id_field: str) -> Problem:
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


def discover_files(source: Path) -> list[Path]:
    """List the record files of ``source`` (a file, or a directory searched recursively).

    Raises :class:`InputError` for a missing path or a directory with no JSON files.
    """
    if source.is_file():
        return [source]
    if source.is_dir():
        files = sorted(
            p
            for p in source.rglob("*")
            if p.is_file()
            and p.suffix.lower() in RECORD_SUFFIXES
            and not any(part.startswith(".") for part in p.relative_to(source).parts)
        )
        if not files:
            raise InputError(f"{source}: directory holds no .json, .jsonl or .ndjson files")
        return files
    if source.exists():
        raise InputError(f"{source}: not a regular file or directory")
    raise InputError(f"{source}: no such file or directory")


def read_file(path: Path, display: str | None = None, *, id_field: str = "id") -> Iterator[RawRecord | Problem]:
    """Yield each value in the file, or a :class:`Problem` for what cannot be parsed.

    The format comes from the content: ``[`` starts an array, one object per line is JSON
    Lines (as is any ``.jsonl``/``.ndjson`` file), otherwise the file is one object.
    ``id_field`` names the record in a problem found while parsing (a number too large).
    """
    name = display or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield Problem(Location(name), f"cannot read: {exc.strerror or exc}")
        return
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    if not data.strip():
        yield Problem(Location(name), "file is empty")
        return
    sniff = data.lstrip()[:1]
    escapes = _SURROGATE_ESCAPE.search(data) is not None
    if path.suffix.lower() in _JSONL_SUFFIXES or (sniff == b"{" and _looks_like_lines(data)):
        yield from _read_lines(data, name, escapes, id_field)
        return
    text = _decode_whole(data, name)
    if isinstance(text, Problem):
        yield text
    elif sniff == b"[":
        yield from _read_array(text, name, escapes, id_field)
    elif sniff == b"{":
        yield from _read_single(text, name, escapes, id_field)
    else:
        yield Problem(Location(name, 1), "expected a JSON object, an array of objects, or JSON Lines")


def _looks_like_lines(data: bytes) -> bool:
    """Whether the file has several lines and one of its first two is a complete JSON object.

    Two, so that a malformed first line does not turn a JSON Lines file into one bad object.
    """
    lines = [line for line in data.strip().split(b"\n", 3)[:3] if line.strip()]
    if len(lines) < 2:
        return False
    for line in lines[:2]:
        try:
            if isinstance(json.loads(line.decode("utf-8", "replace")), dict):
                return True
        except (ValueError, RecursionError):
            continue
    return False


def _decode_whole(data: bytes, name: str) -> str | Problem:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return Problem(
            Location(name, line),
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at column {col}); re-export the file as UTF-8",
        )


def _parse_error(exc: Exception, text: str, location: Location, line_offset: int, unit: str) -> Problem:
    """Turn a decoder failure into a problem at the right file line.

    ``line_offset`` is the file line before ``text`` starts (0 when ``text`` is the file).
    """
    if isinstance(exc, json.JSONDecodeError):
        where = Location(location.file, line_offset + exc.lineno, location.index)
        if exc.msg.startswith("Unterminated string") or exc.pos >= len(text.rstrip(_WS)):
            return Problem(where, f"the JSON ends early: the {unit} looks truncated")
        return Problem(where, f"malformed JSON: {exc.msg} at column {exc.colno}")
    if isinstance(exc, RecursionError):
        return Problem(location, "nested too deeply to parse")
    return Problem(location, str(exc))


def _decode_at(
    text: str, pos: int, location: Location, line_offset: int = 0, unit: str = "file", id_field: str = "id"
) -> tuple[Any, int] | Problem:
    try:
        return _DECODER.raw_decode(text, pos)
    except (json.JSONDecodeError, _ShapeError, RecursionError) as exc:
        return _parse_error(exc, text, location, line_offset, unit)
    except ValueError:  # an int over sys.get_int_max_str_digits, or a float that overflows
        return _number_problem(text, pos, location, id_field)


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WS:
        pos += 1
    return pos


def _read_single(text: str, name: str, escapes: bool, id_field: str = "id") -> Iterator[RawRecord | Problem]:
    pos = _skip_ws(text, 0)
    result = _decode_at(text, pos, Location(name), id_field=id_field)
    if isinstance(result, Problem):
        yield result
        return
    value, end = result
    end = _skip_ws(text, end)
    if end < len(text):
        line = text.count("\n", 0, end) + 1
        yield Problem(Location(name, line), "extra data after the JSON object")
        return
    yield RawRecord(Location(name, text.count("\n", 0, pos) + 1), value, escapes)


def _read_array(text: str, name: str, escapes: bool, id_field: str = "id") -> Iterator[RawRecord | Problem]:
    pos = _skip_ws(text, _skip_ws(text, 0) + 1)
    line, counted = 1, 0
    index = 0
    if pos < len(text) and text[pos] == "]":
        yield Problem(Location(name, 1), "the array holds no records")
        return
    while True:
        if pos >= len(text):
            yield Problem(Location(name, text.count("\n") + 1), "the JSON ends early: the file looks truncated")
            return
        line += text.count("\n", counted, pos)
        counted = pos
        location = Location(name, line, index)
        result = _decode_at(text, pos, location, id_field=id_field)
        if isinstance(result, Problem):
            if index:
                result = replace(result, message=result.message + f"; records after element {index - 1} were not read")
            yield result
            return
        value, end = result
        yield RawRecord(location, value, escapes)
        index += 1
        pos = _skip_ws(text, end)
        if pos >= len(text):
            continue  # reported as truncated at the top of the loop
        if text[pos] == ",":
            pos = _skip_ws(text, pos + 1)
        elif text[pos] == "]":
            rest = _skip_ws(text, pos + 1)
            if rest < len(text):
                yield Problem(Location(name, text.count("\n", 0, rest) + 1), "extra data after the JSON array")
            return
        else:
            bad_line = text.count("\n", 0, pos) + 1
            yield Problem(Location(name, bad_line), "malformed JSON: expected ',' or ']' between records")
            return


def _read_lines(data: bytes, name: str, escapes: bool, id_field: str = "id") -> Iterator[RawRecord | Problem]:
    lines = data.split(b"\n")
    ends_with_newline = data.endswith(b"\n")
    for number, raw in enumerate(lines, start=1):
        raw = raw.rstrip(b"\r")
        if not raw.strip():
            continue
        location = Location(name, number)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield Problem(
                location,
                f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1}); re-export the file as UTF-8",
            )
            continue
        pos = _skip_ws(text, 0)
        result = _decode_at(text, pos, location, number - 1, "line", id_field)
        if isinstance(result, Problem):
            last = number == len(lines) and not ends_with_newline
            if last and "truncated" not in result.message and "malformed" in result.message:
                result = Problem(location, result.message + " (last line, no newline: truncated file?)")
            yield result
            continue
        value, end = result
        if _skip_ws(text, end) < len(text):
            yield Problem(location, "malformed JSON: extra data after the value (one record per line)")
            continue
        yield RawRecord(location, value, escapes and _SURROGATE_ESCAPE.search(raw) is not None)
