"""De-identify one record: structured PHI by key and value shape, free-text PHI by the
detectors, then replacement by the chosen strategy, keeping the JSON structure.

The engine returns the new record and, for reports and evaluation, where each finding
was (path and offsets in the original value) and its category; never the value itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from privacy.deid.allowpass import allow_pass, unknown_words
from privacy.deid.detection import Detection, resolve_overlaps
from privacy.deid.known import KnownIdentifiers, clear_entry_cache
from privacy.deid.names import detect_names
from privacy.deid.patterns import detect_patterns
from privacy.deid.settings import DeidSettings, Strategy, fold_key
from privacy.deid.surrogates import Replacer, redact
from privacy.deid.wordlists import WordLists, forget_word_lists
from privacy.phi import PhiCategory

__all__ = ["Finding", "DeidOutcome", "Deidentifier", "iter_leaves", "clear_caches"]

# Whole values that are PHI whatever their key.
_SHAPES: tuple[tuple[PhiCategory, re.Pattern[str]], ...] = (
    (PhiCategory.SSN, re.compile(r"\d{3}-\d{2}-\d{4}")),
    (PhiCategory.EMAIL, re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    (PhiCategory.PHONE, re.compile(r"(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}")),
)
_NEVER_PHI = "never"  # a key the key map marks as never PHI
_CACHED_LENGTH = 200  # strings up to this long have their generic detections cached
_MAX_SHAPE = 64  # longer strings are free text, never one SSN, phone or email
# Every shape above needs a digit (SSN, phone) or an "@" (email): a value without either is none.
_SHAPE_NEEDS = re.compile(r"[\d@]")
_AGE_NUMBER = re.compile(r"\s*(\d{1,3})\s*")
_WORD = re.compile(r"\w+")
_Leaf = tuple[str, Any, Any, Any, Any]  # path, category (None for free text), value, container, slot
_AGE = PhiCategory.AGE  # read once: an enum member off its class costs a lookup each time
_UNKNOWN = PhiCategory.UNKNOWN
_NO_KIND = (None, False, False)  # a list item's key kind: no category, not never-PHI, not the id
#: Each category's rule name for a structured field, ``field.<category>``, built once.
_FIELD_RULES: dict[PhiCategory, str] = {category: f"field.{category.lower()}" for category in PhiCategory}


class Finding(NamedTuple):
    """One PHI occurrence: ``path`` is the dotted JSON path, offsets index its string value.

    (A named tuple: a large corpus makes hundreds of thousands of these.)"""

    path: str
    start: int
    end: int
    category: PhiCategory
    rule: str


@dataclass
class DeidOutcome:
    """A de-identified record, what was found in it, and what a second scan still found."""

    record: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)
    residual: list[Finding] = field(default_factory=list)


def iter_leaves(value: Any, path: str = "", key: str | None = None) -> Iterator[tuple[str, str | None, list[str], Any]]:
    """Yield ``(dotted path, own key, ancestor keys, value)`` for every scalar under ``value``."""
    stack: list[tuple[Any, str, str | None, list[str]]] = [(value, path, key, [])]
    while stack:
        node, node_path, node_key, ancestors = stack.pop()
        if isinstance(node, dict):
            chain = ancestors + [node_key] if node_key is not None else ancestors
            for k in reversed(list(node)):
                stack.append((node[k], f"{node_path}.{k}" if node_path else str(k), k, chain))
        elif isinstance(node, list):
            chain = ancestors + [node_key] if node_key is not None else ancestors
            for i in range(len(node) - 1, -1, -1):
                stack.append((node[i], f"{node_path}.{i}" if node_path else str(i), None, chain))
        else:
            yield node_path, node_key, ancestors, node


@lru_cache(maxsize=32768)
def _generic_detections(text: str) -> tuple[Detection, ...]:
    """Pattern and name detections of a short string. They depend on the text alone, and short
    values repeat across records ("CAD", "metformin 500 mg BID", "Cardiology"), so they are
    cached; the record's own identifiers are matched separately, every time."""
    return tuple(detect_patterns(text) + detect_names(text))


def _detectors(text: str, cached: bool) -> list[Detection]:
    """The pattern and name detections of ``text``, from the cache for a short string."""
    return list(_generic_detections(text)) if cached else detect_patterns(text) + detect_names(text)


def _redact(category: PhiCategory, text: str) -> str:
    """The redact strategy's substitute: the category's tag, whatever the text."""
    return redact(category)


def clear_caches() -> None:
    """Forget every cached detection and what the allow-list pass memoized of each word, so a
    repeated run starts as cold as a fresh process (only the large base lists stay loaded)."""
    _generic_detections.cache_clear()
    clear_entry_cache()
    forget_word_lists()


class Deidentifier:
    """De-identifies records with one configuration and one secret."""

    def __init__(self, settings: DeidSettings | None = None, *, secret: bytes | None = None,
                 id_field: str = "id") -> None:
        """``id_field`` names the top-level record id, which is kept as is (it must not be PHI)."""
        self.settings = settings or DeidSettings()  # type: ignore[call-arg]
        self._key_map = self.settings.resolved_key_map()
        self._secret = secret
        self._id_key = fold_key(id_field)
        self._folded: dict[str, str] = {}
        self._key_kinds: dict[str, tuple[PhiCategory | None, bool, bool]] = {}  # see _key_kind
        self._replacers: dict[str, Replacer] = {}
        self._lists: WordLists | None = None
        # Short strings: the detections with the allow pass's, and their merge.
        self._passed: dict[str, tuple[tuple[Detection, ...], tuple[Detection, ...]]] = {}

    @property
    def lists(self) -> WordLists:
        """The allow-list pass's word lists (built-in and the site's), loaded on first use."""
        if self._lists is None:
            self._lists = self.settings.word_lists()
        return self._lists

    def _fold(self, key: str) -> str:
        """``fold_key`` memoized: a corpus repeats the same few dozen keys in every record."""
        folded = self._folded.get(key)
        if folded is None:
            folded = self._folded[key] = fold_key(key)
        return folded

    def _own_category(self, key: str | None) -> PhiCategory | str | None:
        """The category a field's own key gives it (``never`` for a never-PHI key), or None."""
        if key is None:
            return None
        folded = self._fold(key)
        if folded not in self._key_map:
            return None
        category = self._key_map[folded]
        return _NEVER_PHI if category is None else category

    @staticmethod
    def _by_shape(value: Any) -> PhiCategory | None:
        """SSN, email or phone by the value's shape alone, whatever its key."""
        if isinstance(value, str) and len(value) <= _MAX_SHAPE and _SHAPE_NEEDS.search(value):
            stripped = value.strip()
            for category, shape in _SHAPES:
                if shape.fullmatch(stripped):
                    return category
        return None

    def _walk(self, record: dict[str, Any]) -> tuple[dict[str, Any], list[_Leaf], list[_Leaf], KnownIdentifiers]:
        """Copy ``record`` and sort its leaves into structured PHI and free text, in document order.

        Each leaf is ``(path, category, value, container, slot)``: the container is the copy's,
        so a replacement is one assignment. A key names a category for its own value, or for
        everything under it (a ``patient`` object); a never-PHI key only for its own value.
        """
        structured: list[_Leaf] = []
        texts: list[_Leaf] = []
        known = KnownIdentifiers()
        key_kind, key_kinds = self._key_kind, self._key_kinds

        def node(value: dict[str, Any] | list[Any], path: str, inherited: PhiCategory | None, top: bool) -> Any:
            out: Any
            if isinstance(value, dict):
                out, pairs, keyed = {}, value.items(), True
            else:
                out, pairs, keyed = list(value), enumerate(value), False
            for k, v in pairs:
                # A list item has no key of its own: it takes its list's category.
                # The memo read here first: a method call a key costs more than the look-up.
                own, never, is_id = (key_kinds.get(k) or key_kind(k)) if keyed else _NO_KIND
                if isinstance(v, (dict, list)):
                    out[k] = node(v, f"{path}.{k}" if path else str(k), own if own is not None else inherited,
                                  False)
                    continue
                out[k] = v
                if v is None or v is True or v is False:  # `is`: exactly the isinstance(v, bool) test
                    continue
                if never or (top and is_id):
                    continue  # never PHI by its key ("state", "department"), or the record id
                # The path is built only for a leaf that is kept (most skipped ones are above).
                by_key = own if own is not None else inherited
                category = by_key if by_key is not None else self._by_shape(v)
                if category is _AGE:  # `is`: categories are enum members (or None)
                    match = _AGE_NUMBER.fullmatch(str(v))
                    if match and int(match.group(1)) > 89:
                        structured.append((f"{path}.{k}" if path else str(k), category, v, out, k))
                    elif isinstance(v, str):
                        texts.append((f"{path}.{k}" if path else str(k), None, v, out, k))
                    continue
                if category is not None:
                    value = v if type(v) is str else str(v)  # `str(v)` is `v` itself for a str
                    if value.strip():
                        structured.append((f"{path}.{k}" if path else str(k), category, v, out, k))
                        known.add(category, value)
                elif isinstance(v, str) and v.strip():
                    texts.append((f"{path}.{k}" if path else str(k), None, v, out, k))
            return out

        copy = node(record, "", None, True)
        del node  # the recursive closure refers to itself: a cycle only the collector would free
        return copy, structured, texts, known

    def _key_kind(self, key: str) -> tuple[PhiCategory | None, bool, bool]:
        """What a key says of the value under it, memoized (a corpus repeats the same few dozen
        keys in every record): the category it gives (the value's own, and passed down to all
        under a container), whether it marks the value as never PHI, and whether it is the id."""
        kind = self._key_kinds.get(key)
        if kind is None:
            own = self._own_category(key)
            kind = self._key_kinds[key] = (own if isinstance(own, PhiCategory) else None, own == _NEVER_PHI,
                                           self._fold(key) == self._id_key)
        return kind

    def classify(self, record: dict[str, Any]) -> tuple[list[tuple[str, PhiCategory, Any]], list[tuple[str, str]], KnownIdentifiers]:
        """Split a record's leaves into structured PHI and free text; collect its identifiers."""
        _, structured, texts, known = self._walk(record)
        return ([(path, category, value) for path, category, value, _, _ in structured],
                [(path, value) for path, _, value, _, _ in texts], known)

    def detect_text(self, text: str, known: KnownIdentifiers | None = None, *, cache: bool = True,
                    allow_list: bool | None = None) -> list[Detection]:
        """All PHI in one free-text string, overlaps merged.

        ``allow_list`` runs the allow-list pass after the detectors (None: as the settings say).
        ``cache=False`` for a string that will not come again (a de-identified output): it
        would only push out of the cache the short values that do repeat.
        """
        use_pass = self.settings.allow_list_pass if allow_list is None else allow_list
        short = cache and len(text) <= _CACHED_LENGTH
        if not use_pass:
            found = _detectors(text, short)
            if known is not None:
                found += known.detect(text)
            return resolve_overlaps(found)
        passed = self._passed.get(text) if short else None
        if passed is None:
            generic = _detectors(text, short)
            resolved = resolve_overlaps(generic)
            extra = allow_pass(text, resolved, self.lists)
            # With nothing added, ``resolved`` is its own merge: sorted and without overlaps.
            passed = (tuple(resolved + extra), tuple(resolve_overlaps(resolved + extra)) if extra else tuple(resolved))
            if short:
                if len(self._passed) >= 32768:
                    self._passed.clear()
                self._passed[text] = passed
        detections, merged = passed
        ids = known.detect(text) if known is not None else None
        # The record's identifiers are merged with the unmerged detections, as one merge of all.
        return resolve_overlaps([*detections, *ids]) if ids else list(merged)

    def deidentify(self, record: dict[str, Any], patient: str, *, strategy: Strategy | None = None,
                   residual_scan: bool = True) -> DeidOutcome:
        """De-identify ``record`` (not modified) for the patient whose key is ``patient``."""
        strategy = strategy or self.settings.strategy
        if strategy == "surrogate" and self._secret is None:
            raise ValueError("the surrogate strategy needs a secret")
        # The strategy's substitute for a category and a text: the patient's surrogate, or the tag.
        substitute = self._replacer(patient).replace if strategy == "surrogate" else _redact

        out, structured, texts, known = self._walk(record)
        outcome = DeidOutcome(out)
        findings = outcome.findings
        for path, category, value, container, slot in structured:
            text = str(value)
            findings.append(Finding(path, 0, len(text), category, _FIELD_RULES[category]))
            new = substitute(category, text)
            if isinstance(value, int) and new.isdigit() and category is not _AGE:
                container[slot] = int(new if new[0] != "0" else "1" + new[1:])  # keep the digit count
            else:
                container[slot] = new
        for path, _, text, container, slot in texts:
            detections = self.detect_text(text, known)
            if not detections:
                if residual_scan and not self.settings.allow_list_pass:
                    outcome.residual += self.residual(path, text, [], known)  # what the pass would have taken
                continue
            pieces, cursor, placed = [], 0, []
            length = 0
            for det in detections:
                pieces.append(text[cursor:det.start])
                length += det.start - cursor
                new = substitute(det.category, text[det.start:det.end])
                placed.append((length, length + len(new)))
                pieces.append(new)
                length += len(new)
                cursor = det.end
                findings.append(Finding(path, det.start, det.end, det.category, det.rule))
            pieces.append(text[cursor:])
            new_text = "".join(pieces)
            container[slot] = new_text
            if residual_scan:
                outcome.residual += self.residual(path, new_text, placed, known)
        return outcome

    def replacer(self, patient: str) -> Replacer:
        """The surrogate maker ``deidentify`` uses for ``patient``: it maps each real value to
        its surrogate, so a caller can map surrogates back in memory (see :mod:`privacy.deid.mapback`)."""
        if self._secret is None:
            raise ValueError("the surrogate strategy needs a secret")
        return self._replacer(patient)

    def _replacer(self, patient: str) -> Replacer:
        """The patient's surrogate maker, kept for the patient's next records (they come together)."""
        replacer = self._replacers.get(patient)
        if replacer is None:
            if len(self._replacers) >= 64:
                self._replacers.clear()
            replacer = Replacer(self._secret or b"", patient, max_shift_days=self.settings.max_date_shift_days)
            self._replacers[patient] = replacer
        return replacer

    def residual(self, path: str, text: str, placed: list[tuple[int, int]], known: KnownIdentifiers | None) -> list[Finding]:
        """The word tokens of ``text`` (a de-identified output) that lie outside every replacement
        made in it (``placed``, sorted offsets) and that no allow-list knows, or that are one of
        the record's own identifiers: one finding per token. The allow-list question is asked
        even when the pass is switched off for detection, so the figure stays honest.

        The detectors are not run again: outside ``placed`` the output is the input, which they
        have just read whole, so a second run could only re-read the replacements. Numbers are
        the recognizers' to judge (a digit token is never an unknown word)."""
        # unknown_words leaves out the words inside ``placed`` itself: they are set aside below anyway.
        spans = [(s, e, _UNKNOWN, "residual.unknown") for s, e in unknown_words(text, self.lists, placed)]
        if known is not None:
            spans += [(d.start, d.end, d.category, d.rule) for d in known.detect(text)]
        spans.sort()
        leftovers: list[Finding] = []
        seen: set[int] = set()
        i, n = 0, len(placed)  # sorted by start, and the replacements do not overlap
        for start, end, category, rule in spans:
            while i < n and placed[i][1] <= start:
                i += 1  # replacements that end before this span cannot touch a later one
            if i < n and placed[i][0] < end:
                continue
            for s, e in [m.span() for m in _WORD.finditer(text, start, end)] or [(start, end)]:
                if s not in seen:
                    seen.add(s)
                    leftovers.append(Finding(path, s, e, category, rule))
        return leftovers
