"""Read a JSON array of records from a file a chunk at a time: each element is yielded as soon
as it is parsed, and what is held is a chunk or two of text plus the largest element, whatever
the size of the file (a minified array on a single line included).

Problems are those of a whole-file parse, at the same file lines: a malformed or truncated
element, a missing ``,``, data after the array. A byte that is not UTF-8 is reported when the
parse reaches it, after the elements before it, as a malformed element is.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any, BinaryIO

from core.records.jsonparse import decode_at, decode_prefix, skip_ws
from core.records.problems import Location, Problem

__all__ = ["CHUNK_BYTES", "invalid_utf8", "read_array"]

#: Bytes read from the file at a time (more while one element is larger than what is held).
CHUNK_BYTES = 1 << 20
#: A JSON escape of a surrogate code point, in decoded text (see ``jsonparse.SURROGATE_ESCAPE``).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class _Window:
    """The decoded text of a file not yet consumed, read on demand.

    ``text`` starts ``lines_before`` newlines into the file, ``columns_before`` characters
    into its line. Reading stops at the end of the
    file (``eof``) or at the first byte that is not UTF-8 (``invalid``: its problem, for when
    the parse gets there; the text before it is kept).
    """

    def __init__(self, handle: BinaryIO, name: str, chunk: int) -> None:
        self.text = ""
        self.lines_before = 0
        self.columns_before = 0
        self.eof = False
        self.invalid: Problem | None = None
        self._handle, self._name, self._chunk = handle, name, chunk
        self._pending = b""  # the start of a character cut by the last read
        self._offset = 0  # where _pending starts, in bytes from the start of the text (after a BOM)
        self._newlines = 0  # newlines decoded so far
        self._line_start = 0  # byte offset just after the last of them

    def more(self) -> bool:
        """Decode more of the file onto ``text``: at least as much as it holds, so a large
        element is parsed again only a few times. False when nothing more can come."""
        if self.eof or self.invalid is not None:
            return False
        data = self._handle.read(max(self._chunk, len(self.text)))
        final = not data
        data = self._pending + data
        try:
            text, used = codecs.utf_8_decode(data, "strict", final)
        except UnicodeDecodeError as exc:
            text, used = codecs.utf_8_decode(data[:exc.start], "strict", True)
            self._count(data, used)
            self.invalid = self._bad_byte(data, used)
        else:
            self._count(data, used)
            self.eof = final
        self._pending = data[used:]
        self._offset += used
        self.text += text
        return True

    def drop(self, pos: int) -> None:
        """Forget ``text`` before ``pos`` (consumed), counting its newlines."""
        newlines = self.text.count("\n", 0, pos)
        if newlines:
            self.lines_before += newlines
            self.columns_before = pos - self.text.rfind("\n", 0, pos) - 1
        else:
            self.columns_before += pos
        self.text = self.text[pos:]

    def _count(self, data: bytes, used: int) -> None:
        self._newlines += data.count(b"\n", 0, used)
        last = data.rfind(b"\n", 0, used)
        if last >= 0:
            self._line_start = self._offset + last + 1

    def _bad_byte(self, data: bytes, at: int) -> Problem:
        column = self._offset + at - self._line_start + 1
        return Problem(Location(self._name, self._newlines + 1),
                       f"not valid UTF-8 (byte 0x{data[at]:02x} at column {column}); re-export the file as UTF-8")


def invalid_utf8(handle: BinaryIO, name: str) -> Problem | None:
    """The problem with the first byte of ``handle`` that is not UTF-8, read a chunk at a time."""
    window = _Window(handle, name, CHUNK_BYTES)
    while window.more():
        window.drop(len(window.text))
    return window.invalid


def _skip(window: _Window, pos: int) -> int:
    """The position of the next non-whitespace character, reading on as needed; ``len(text)``
    when there is none (the end of the file, or a byte that is not UTF-8)."""
    while True:
        pos = skip_ws(window.text, pos)
        if pos < len(window.text) or not window.more():
            return pos


def _element(window: _Window, pos: int, location: Location, id_field: str) -> tuple[Any, int] | Problem | None:
    """The value that starts at ``pos``, reading on until it is complete, or its problem;
    None when a byte that is not UTF-8 comes first."""
    while True:
        if window.eof:
            return decode_at(window.text, pos, location, window.lines_before, "file", id_field, window.columns_before)
        result = decode_prefix(window.text, pos, location, window.lines_before, id_field, window.columns_before)
        if result is not None:
            return result
        if not window.more():
            return None


def _after(problem: Problem, index: int) -> Problem:
    """``problem``, saying that the elements after the last one read were not read."""
    return replace(problem, message=problem.message + f"; records after element {index - 1} were not read") if index else problem


def read_array(handle: BinaryIO, name: str, id_field: str = "id", *,
               chunk: int | None = None) -> Iterator[tuple[Location, Any, bool] | Problem]:
    """Yield ``(location, value, may_hold_surrogates)`` for each element of the JSON array that
    ``handle`` holds (positioned at its ``[``, after any BOM), or the :class:`Problem` that
    ends the read; ``name`` is the file in locations, ``chunk`` the bytes read at a time."""
    size = chunk or CHUNK_BYTES
    window = _Window(handle, name, size)
    pos = _skip(window, _skip(window, 0) + 1)
    if pos < len(window.text) and window.text[pos] == "]":
        yield Problem(Location(name, 1), "the array holds no records")
        return
    line, counted, index = 1, 0, 0  # ``line`` is the file line of text[counted]
    while True:
        text = window.text
        if pos >= len(text):
            if window.invalid is not None:
                yield _after(window.invalid, index)
            else:
                yield Problem(Location(name, window.lines_before + text.count("\n") + 1),
                              "the JSON ends early: the file looks truncated")
            return
        line += text.count("\n", counted, pos)
        counted = pos
        location = Location(name, line, index)
        result = _element(window, pos, location, id_field)
        if result is None:
            assert window.invalid is not None
            yield _after(window.invalid, index)
            return
        if isinstance(result, Problem):
            yield _after(result, index)
            return
        value, end = result
        yield location, value, _SURROGATE_ESCAPE.search(window.text, pos, end) is not None
        index += 1
        if end > size:  # forget what is parsed
            line += window.text.count("\n", counted, end)
            window.drop(end)
            counted = end = 0
        pos = _skip(window, end)
        text = window.text
        if pos >= len(text):
            continue  # reported at the top of the loop
        if text[pos] == ",":
            pos = _skip(window, pos + 1)
        elif text[pos] == "]":
            yield from _trailing(window, pos + 1, line + text.count("\n", counted, pos + 1), name)
            return
        else:
            yield Problem(Location(name, line + text.count("\n", counted, pos)),
                          "malformed JSON: expected ',' or ']' between records")
            return


def _trailing(window: _Window, pos: int, line: int, name: str) -> Iterator[Problem]:
    """The problem with what follows the array's ``]`` (at ``pos``, file line ``line``), if any."""
    while True:
        text = window.text
        rest = skip_ws(text, pos)
        if rest < len(text):
            yield Problem(Location(name, line + text.count("\n", pos, rest)), "extra data after the JSON array")
            return
        line += text.count("\n", pos)
        window.drop(len(text))
        pos = 0
        if not window.more():
            if window.invalid is not None:
                yield window.invalid
            return
