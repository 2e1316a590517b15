"""The record ids seen so far in an input and where each was first seen: what finding a
duplicate id needs while records stream past, kept compact.

A ``dict`` of id to location string costs about 170 bytes an id (650,000 ids, the records of
1 GB of JSON Lines: 108 MB); :class:`SeenIds` keeps each id's UTF-8 bytes, its hash, its file
line and array index in flat arrays behind an open-addressing table: about 50 bytes and the
id's length. The comparison is exact: a hash match is confirmed on the id's bytes.
"""

from __future__ import annotations

from array import array

from core.records.problems import Location

__all__ = ["SeenIds"]

_NO_LINE = -1
_hash = hash  # the str hash (salted per process: the table lives in memory only)


class SeenIds:
    """Ids and the location each was first seen at, added as they come."""

    def __init__(self) -> None:
        """An empty set of ids."""
        self._files: list[str] = []
        self._file_numbers: dict[str, int] = {}
        self._hashes = array("q")  # hash() of each id, in the order added
        self._ends = array("Q")  # where each id ends in _blob
        self._blob = bytearray()  # the ids, UTF-8, one after another
        self._places = array("Q")  # file number << 32 | (array index + 1, or 0 for none)
        self._lines = array("q")  # file line, or _NO_LINE
        self._table = array("Q", bytes(8 * 8))  # slot -> entry number + 1 (0: empty)

    def __len__(self) -> int:
        """How many distinct ids were added."""
        return len(self._hashes)

    @property
    def nbytes(self) -> int:
        """The bytes held by the arrays (the files' names aside), for measuring."""
        return sum(a.itemsize * len(a) for a in (self._hashes, self._ends, self._places, self._lines, self._table)) \
            + len(self._blob)

    def add(self, record_id: str, location: Location) -> Location | None:
        """Remember ``record_id`` as first seen at ``location`` and return None; or, when it
        was seen before, return where, remembering nothing."""
        key = record_id.encode("utf-8", "surrogatepass")
        digest = _hash(record_id)
        table, hashes = self._table, self._hashes
        mask = len(table) - 1
        slot = digest & mask
        while entry := table[slot]:
            if hashes[entry - 1] == digest and self._id(entry - 1) == key:
                return self._location(entry - 1)
            slot = (slot + 1) & mask
        table[slot] = len(hashes) + 1
        hashes.append(digest)
        self._blob += key
        self._ends.append(len(self._blob))
        self._places.append(self._file_number(location.file) << 32
                            | (location.index + 1 if location.index is not None else 0))
        self._lines.append(location.line if location.line is not None else _NO_LINE)
        if 3 * len(hashes) > 2 * len(table):
            self._grow()
        return None

    def _id(self, entry: int) -> bytes:
        start = self._ends[entry - 1] if entry else 0
        return bytes(self._blob[start:self._ends[entry]])

    def _location(self, entry: int) -> Location:
        place, line = self._places[entry], self._lines[entry]
        index = place & 0xFFFF_FFFF
        return Location(self._files[place >> 32], None if line == _NO_LINE else line, index - 1 if index else None)

    def _file_number(self, file: str) -> int:
        number = self._file_numbers.get(file)
        if number is None:
            number = self._file_numbers[file] = len(self._files)
            self._files.append(file)
        return number

    def _grow(self) -> None:
        """Twice the slots, every entry placed again."""
        table = array("Q", bytes(16 * len(self._table)))
        mask = len(table) - 1
        for entry, digest in enumerate(self._hashes, start=1):
            slot = digest & mask
            while table[slot]:
                slot = (slot + 1) & mask
            table[slot] = entry
        self._table = table
