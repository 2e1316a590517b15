"""A lexicon of drugs, conditions and clinical abbreviations, and the entities it finds in text.

The lexicon ships as ``data/clinical_lexicon.tsv``; a site can extend it with a local file of
the same format. Each line is ``kind<TAB>term<TAB>expansion`` (the expansion may be empty or
left out), ``#`` starts a comment line and blank lines are skipped:

- ``drug`` / ``condition``: a medication / a diagnosis, symptom or finding. An expansion
  makes the term a synonym of it (``drug<TAB>Lipitor<TAB>atorvastatin``).
- ``abbrev``: an abbreviation; the expansion is what it stands for (``HTN`` ->
  ``hypertension``). An abbreviation of a drug or condition of the lexicon is that entity;
  any other expansion becomes a term of its own, so ``SOB`` in a note and ``shortness of
  breath`` in a summary are the same entity.

Matching is case-insensitive and on word boundaries, longest term first, except that an
abbreviation written in capitals only (``CAD``, ``SOB``, ``AS``) matches only in capitals,
so that the English words "cad", "sob" or "as" are not read as diagnoses. A local file can
add a lower-case spelling (``abbrev<TAB>htn<TAB>hypertension``) where a site writes one.
Entries of the local file replace shipped entries with the same term.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from core.errors import MedsumError

__all__ = ["DEFAULT_LEXICON", "KINDS", "Entity", "Lexicon", "LexiconEntry", "LexiconError", "load_lexicon",
           "read_lexicon_file"]

#: The lexicon shipped with MedSum.
DEFAULT_LEXICON = Path(__file__).resolve().parent / "data" / "clinical_lexicon.tsv"
#: The kinds a lexicon line may have.
KINDS = ("drug", "condition", "abbrev")

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_MAX_CHAIN = 8


class LexiconError(MedsumError):
    """A lexicon file cannot be read or has a bad line; the message names the file and line."""


@dataclass(frozen=True)
class LexiconEntry:
    """One line of a lexicon file; ``origin`` is ``file, line N`` for error messages."""

    kind: str
    term: str
    expansion: str
    origin: str


@dataclass(frozen=True)
class Entity:
    """A lexicon term found in a text.

    ``kind`` is that of the entity it names (``ASA`` is a ``drug``), ``canonical`` the
    lexicon's name for it (``aspirin``), ``surface`` the text as written between the
    character offsets ``start`` and ``end``.
    """

    kind: str
    canonical: str
    surface: str
    start: int
    end: int


@dataclass(frozen=True)
class _Term:
    kind: str
    written: str
    expansion: str
    case_sensitive: bool
    origin: str


def _squash(text: str) -> str:
    return " ".join(text.translate(_APOSTROPHES).split())


def _fold(text: str) -> str:
    return _squash(text).casefold()


def _case_sensitive(kind: str, term: str) -> bool:
    return kind == "abbrev" and any(c.isupper() for c in term) and not any(c.islower() for c in term)


def _key(term: str, case_sensitive: bool) -> str:
    return _squash(term) if case_sensitive else _fold(term)


_TOKEN = re.compile(r"[^\W_]+|[^\w\s]|_")


@dataclass(frozen=True)
class _Pattern:
    """A term as tokens: letter/digit runs and single punctuation marks, with whether
    whitespace comes before each token."""

    key: str
    tokens: tuple[str, ...]
    gaps: tuple[bool, ...]
    case_sensitive: bool
    length: int


def _tokens(text: str) -> tuple[list[str], list[int], list[int]]:
    words, starts, ends = [], [], []
    for match in _TOKEN.finditer(text):
        words.append(match.group())
        starts.append(match.start())
        ends.append(match.end())
    return words, starts, ends


def _compile(key: str, term: _Term) -> _Pattern:
    written = _squash(term.written)
    words, starts, ends = _tokens(written)
    gaps = tuple(i > 0 and starts[i] > ends[i - 1] for i in range(len(words)))
    tokens = tuple(words) if term.case_sensitive else tuple(w.casefold() for w in words)
    return _Pattern(key, tokens, gaps, term.case_sensitive, len(written))


def read_lexicon_file(path: Path) -> list[LexiconEntry]:
    """The entries of one lexicon file, in file order.

    Raises :class:`LexiconError` naming the file and line for a missing or unreadable file,
    a line without tabs, an unknown kind, an empty term, or a term defined twice.
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise LexiconError(f"cannot read lexicon file {path}: {exc.strerror or exc}") from None
    entries: list[LexiconEntry] = []
    seen: dict[str, int] = {}
    for number, line_bytes in enumerate(raw.splitlines(), start=1):
        where = f"{path}, line {number}"
        try:
            line = line_bytes.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            raise LexiconError(f"{where}: not UTF-8 text") from None
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) < 2 or len(fields) > 3:
            raise LexiconError(f"{where}: expected kind<TAB>term<TAB>expansion, found {len(fields)} "
                               f"tab-separated field{'s' if len(fields) != 1 else ''}")
        kind, term = fields[0].strip(), fields[1].strip()
        expansion = fields[2].strip() if len(fields) == 3 else ""
        if kind not in KINDS:
            raise LexiconError(f"{where}: unknown kind {kind[:20]!r}; use drug, condition or abbrev")
        if not any(c.isalnum() for c in term):
            raise LexiconError(f"{where}: the term is empty or has no letter or digit")
        if expansion and not any(c.isalnum() for c in expansion):
            raise LexiconError(f"{where}: the expansion has no letter or digit")
        if _fold(expansion) == _fold(term):
            expansion = ""
        key = _key(term, _case_sensitive(kind, term))
        if key in seen:
            raise LexiconError(f"{where}: {_squash(term)!r} is already defined on line {seen[key]}")
        seen[key] = number
        entries.append(LexiconEntry(kind, _squash(term), _squash(expansion), where))
    return entries


class Lexicon:
    """Terms with their kinds and canonical names; :meth:`find` picks them out of text."""

    def __init__(self, entries: Iterable[LexiconEntry]) -> None:
        """Build the lexicon; a later entry replaces an earlier one with the same term.

        Raises :class:`LexiconError` (naming the line) when expansions refer to each other in
        a loop.
        """
        terms: dict[str, _Term] = {}
        for entry in entries:
            sensitive = _case_sensitive(entry.kind, entry.term)
            terms[_key(entry.term, sensitive)] = _Term(entry.kind, entry.term, entry.expansion, sensitive,
                                                       entry.origin)
        # An expansion that is no term of its own becomes one (drug and condition first).
        for pass_kinds in (("drug", "condition"), ("abbrev",)):
            for term in list(terms.values()):
                if term.kind in pass_kinds and term.expansion and self._lookup(terms, term.expansion) is None:
                    terms[_fold(term.expansion)] = _Term(term.kind, term.expansion, "", False, term.origin)
        self._terms = terms
        self._resolved = {key: self._resolve(terms, key) for key in terms}
        index: dict[str, list[_Pattern]] = {}
        for key, term in terms.items():
            pattern = _compile(key, term)
            index.setdefault(pattern.tokens[0].casefold(), []).append(pattern)
        for candidates in index.values():  # longest first
            candidates.sort(key=lambda p: (-len(p.tokens), -p.length, not p.case_sensitive))
        self._index = index

    @staticmethod
    def _lookup(terms: dict[str, _Term], text: str) -> str | None:
        for key in (_squash(text), _fold(text)):
            if key in terms:
                return key
        return None

    @classmethod
    def _resolve(cls, terms: dict[str, _Term], key: str) -> tuple[str, str]:
        start = terms[key]
        chain = [key]
        term = start
        while term.expansion and len(chain) <= _MAX_CHAIN:
            following = cls._lookup(terms, term.expansion)
            if following is None:
                break
            if following in chain:
                raise LexiconError(f"{start.origin}: the expansion of {start.written!r} leads back to itself")
            chain.append(following)
            term = terms[following]
        return term.kind, term.written

    def __len__(self) -> int:
        """The number of distinct terms, expansions included."""
        return len(self._terms)

    def canonical(self, term: str) -> str | None:
        """The canonical name of a term of the lexicon (``ASA`` -> ``aspirin``), else None."""
        key = self._lookup(self._terms, term)
        return self._resolved[key][1] if key is not None else None

    def kind(self, term: str) -> str | None:
        """The kind of the entity a term of the lexicon names, else None."""
        key = self._lookup(self._terms, term)
        return self._resolved[key][0] if key is not None else None

    def expansion(self, term: str) -> str | None:
        """What an abbreviation of the lexicon stands for, as the lexicon writes it
        (``CAD`` -> ``coronary artery disease``); None for any other term or unknown text."""
        key = self._lookup(self._terms, term)
        if key is None:
            return None
        entry = self._terms[key]
        return entry.expansion if entry.kind == "abbrev" and entry.expansion else None

    def find(self, text: str) -> list[Entity]:
        """The lexicon's entities in ``text``, in text order, without overlaps: at each place
        the longest term wins. Offsets are those of ``text``."""
        words, starts, ends = _tokens(text.translate(_APOSTROPHES))
        folded = [w.casefold() for w in words]
        gaps = [i > 0 and starts[i] > ends[i - 1] for i in range(len(words))]
        found: list[Entity] = []
        i = 0
        while i < len(words):
            pattern = self._match_at(i, words, folded, gaps)
            if pattern is None:
                i += 1
                continue
            last = i + len(pattern.tokens) - 1
            kind, canonical = self._resolved[pattern.key]
            found.append(Entity(kind, canonical, text[starts[i]:ends[last]], starts[i], ends[last]))
            i = last + 1
        return found

    def _match_at(self, i: int, words: list[str], folded: list[str], gaps: list[bool]) -> _Pattern | None:
        for pattern in self._index.get(folded[i], ()):
            n = len(pattern.tokens)
            if i + n > len(words):
                continue
            seen = words if pattern.case_sensitive else folded
            if all(seen[i + j] == pattern.tokens[j] and (j == 0 or gaps[i + j] == pattern.gaps[j]) for j in range(n)):
                return pattern
        return None


@lru_cache(maxsize=8)
def _load(extra: Path | None, extra_mtime: float | None) -> Lexicon:
    entries = read_lexicon_file(DEFAULT_LEXICON)
    if extra is not None:
        entries += read_lexicon_file(extra)
    return Lexicon(entries)


def load_lexicon(extra: Path | None = None) -> Lexicon:
    """The shipped lexicon, extended (and overridden term by term) by the local file ``extra``.

    Raises :class:`LexiconError` naming the file and line for a bad line or a missing file.
    """
    if extra is None:
        return _load(None, None)
    path = Path(extra).expanduser().resolve()
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise LexiconError(f"cannot read lexicon file {extra}: {exc.strerror or exc}") from None
    return _load(path, mtime)

