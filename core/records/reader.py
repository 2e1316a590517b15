"""Read raw JSON values from record files: a JSON array, JSON Lines, one object per file,
or a directory of such files.

The reader only parses. Every parse failure becomes a :class:`Problem` with the file, line
and column; nothing here raises for bad content, so one bad line never hides the others.
Files are read as their values are asked for (see :func:`read_file`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from core.errors import InputError
from core.records.array_stream import invalid_utf8, read_array
from core.records.jsonparse import SURROGATE_ESCAPE, decode_at, skip_ws
from core.records.problems import Location, Problem

__all__ = ["RawRecord", "RECORD_SUFFIXES", "discover_files", "read_file"]

#: File suffixes read from a directory (case-insensitive).
RECORD_SUFFIXES = frozenset({".json", ".jsonl", ".ndjson"})
_JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
_BOM = b"\xef\xbb\xbf"
#: What ``bytes.strip`` takes away: a file of nothing else is empty.
_BYTES_WS = b" \t\n\r\x0b\x0c"


@dataclass(frozen=True)
class RawRecord:
    """A parsed JSON value and where it came from; not yet validated.

    ``may_hold_surrogates`` is False when the text it was parsed from has no surrogate
    escape, so validation can skip looking for lone surrogates in it.
    """

    location: Location
    value: Any
    may_hold_surrogates: bool = True


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

    The file is read as the values are asked for: JSON Lines a line at a time, an array a
    chunk at a time (:mod:`core.records.array_stream`), so memory does not grow with the
    file. Only a file of one object is read whole.
    """
    name = display or str(path)
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield Problem(Location(name), f"cannot read: {exc.strerror or exc}")
        return
    with handle:
        try:
            yield from _read_open(handle, path, name, id_field)
        except OSError as exc:  # a read failing part-way (an I/O error, a file truncated under us)
            yield Problem(Location(name), f"cannot read: {exc.strerror or exc}")


def _read_open(handle: BinaryIO, path: Path, name: str, id_field: str) -> Iterator[RawRecord | Problem]:
    start = len(_BOM) if handle.read(len(_BOM)) == _BOM else 0
    handle.seek(start)
    first = _first_content(handle)
    if first is None:
        yield Problem(Location(name), "file is empty")
        return
    sniff, offset = first
    if path.suffix.lower() in _JSONL_SUFFIXES or (sniff == b"{" and _looks_like_lines(handle, offset)):
        handle.seek(start)
        yield from _read_lines(handle, name, id_field)
    elif sniff == b"[":
        handle.seek(start)
        for item in read_array(handle, name, id_field):
            yield item if isinstance(item, Problem) else RawRecord(*item)
    elif sniff == b"{":
        handle.seek(start)
        data = handle.read()
        text = _decode_whole(data, name)
        if isinstance(text, Problem):
            yield text
        else:
            yield from _read_single(text, name, SURROGATE_ESCAPE.search(data) is not None, id_field)
    else:
        handle.seek(start)
        yield invalid_utf8(handle, name) or Problem(Location(name, 1),
                                                    "expected a JSON object, an array of objects, or JSON Lines")


def _first_content(handle: BinaryIO) -> tuple[bytes, int] | None:
    """The first byte that is not whitespace and its offset, or None when there is none."""
    offset = handle.tell()
    while chunk := handle.read(1 << 16):
        content = chunk.lstrip(_BYTES_WS)
        if content:
            return content[:1], offset + len(chunk) - len(content)
        offset += len(chunk)
    return None


def _looks_like_lines(handle: BinaryIO, offset: int) -> bool:
    """Whether the file has several lines and one of its first two is a complete JSON object.

    Two, so that a malformed first line does not turn a JSON Lines file into one bad object.
    ``offset`` is where its content starts; only the first three lines from there are read.
    """
    handle.seek(offset)
    lines = [line for line in (handle.readline() for _ in range(3)) if line.strip()]
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


def _read_single(text: str, name: str, escapes: bool, id_field: str = "id") -> Iterator[RawRecord | Problem]:
    pos = skip_ws(text, 0)
    result = decode_at(text, pos, Location(name), id_field=id_field)
    if isinstance(result, Problem):
        yield result
        return
    value, end = result
    end = skip_ws(text, end)
    if end < len(text):
        line = text.count("\n", 0, end) + 1
        yield Problem(Location(name, line), "extra data after the JSON object")
        return
    yield RawRecord(Location(name, text.count("\n", 0, pos) + 1), value, escapes)


def _read_lines(handle: BinaryIO, name: str, id_field: str = "id") -> Iterator[RawRecord | Problem]:
    """Each line of ``handle`` (after any BOM) as a value or a problem, read one at a time."""
    for number, raw in enumerate(handle, start=1):
        ends_with_newline = raw.endswith(b"\n")
        raw = (raw[:-1] if ends_with_newline else raw).rstrip(b"\r")
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
        pos = skip_ws(text, 0)
        result = decode_at(text, pos, location, number - 1, "line", id_field)
        if isinstance(result, Problem):
            if not ends_with_newline and "truncated" not in result.message and "malformed" in result.message:
                result = Problem(location, result.message + " (last line, no newline: truncated file?)")
            yield result
            continue
        value, end = result
        if skip_ws(text, end) < len(text):
            yield Problem(location, "malformed JSON: extra data after the value (one record per line)")
            continue
        yield RawRecord(location, value, SURROGATE_ESCAPE.search(raw) is not None)
