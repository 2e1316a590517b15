"""Map surrogates back to the real values, in memory, for showing a clinician a summary.

A summary is generated from a de-identified record; before it is shown, every surrogate it
quotes is replaced by the real value it stands for. The pairs come from the engine's
findings (path and offsets in the original record) and the patient's :class:`Replacer`,
which maps each real value to its surrogate deterministically. The mapping holds PHI: it
lives only as long as the caller keeps it and must never be written anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from privacy.deid.engine import Finding
from privacy.deid.surrogates import Replacer
from privacy.phi import PhiCategory

__all__ = ["restore", "surrogate_originals", "value_at"]

_MISSING = object()
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def value_at(record: Any, path: str) -> Any:
    """The value at a finding's dotted ``path`` (``a.b``, list items ``a.0``), or None if absent.

    Keys may themselves hold dots, so each step tries the record's own keys, longest first.
    """
    found = _resolve(record, path)
    return None if found is _MISSING else found


def _resolve(node: Any, path: str) -> Any:
    if path == "":
        return node
    if isinstance(node, dict):
        for key in sorted((k for k in node if path == str(k) or path.startswith(f"{k}.")), key=len, reverse=True):
            found = _resolve(node[key], path[len(str(key)) + 1:])
            if found is not _MISSING:
                return found
        return _MISSING
    if isinstance(node, list):
        head, _, rest = path.partition(".")
        if head.isdigit() and int(head) < len(node):
            return _resolve(node[int(head)], rest)
    return _MISSING


def _pairs(original: str, surrogate: str, category: PhiCategory) -> Iterable[tuple[str, str]]:
    """The whole value, and for names each word of two letters or more (surrogate names are
    made word by word; a one-letter word is an initial, and restoring "F" to "A" everywhere
    would also rewrite "F/C" and "Vitamin D")."""
    yield surrogate, original
    if category in (PhiCategory.NAME, PhiCategory.UNKNOWN):  # both get name-shaped surrogates, word by word
        real, fake = _WORD.findall(original), _WORD.findall(surrogate)
        if len(real) == len(fake) > 1:
            yield from ((f, r) for f, r in zip(fake, real, strict=True) if len(f) > 1)


def surrogate_originals(record: dict[str, Any], deidentified: dict[str, Any], findings: Iterable[Finding],
                        replacer: Replacer) -> dict[str, str]:
    """``{surrogate: real value}`` for one record de-identified with the surrogate strategy.

    ``record`` is the original, ``deidentified`` the engine's output for it, ``findings`` its
    findings and ``replacer`` the patient's (``Deidentifier.replacer``). A surrogate that
    stands for two different values, or for itself, is left out: it cannot be mapped back
    unambiguously. Keep the result in memory only.
    """
    candidates: dict[str, set[str]] = {}
    for finding in findings:
        value = value_at(record, finding.path)
        if value is None:
            continue
        original = str(value)[finding.start:finding.end]
        surrogates = {replacer.replace(finding.category, original)}
        if finding.rule.startswith("field."):  # a whole structured value: what the output holds there
            stored = value_at(deidentified, finding.path)
            if stored is not None:
                surrogates.add(str(stored))
        for surrogate in surrogates:
            for fake, real in _pairs(original, surrogate, finding.category):
                if len(fake.strip()) > 1 and fake != real:
                    candidates.setdefault(fake, set()).add(real)
    return {fake: next(iter(reals)) for fake, reals in candidates.items() if len(reals) == 1}


def restore(text: str, mapping: Mapping[str, str]) -> str:
    """``text`` with every surrogate of ``mapping`` that stands as a whole word replaced by its
    real value, in one pass (longest surrogate first, so no replacement is replaced again)."""
    if not mapping or not text:
        return text
    alternatives = "|".join(re.escape(fake) for fake in sorted(mapping, key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")
    return pattern.sub(lambda m: mapping[m.group(0)], text)
