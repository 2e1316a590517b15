"""Clinical fidelity of a summary to its source: entities and numbers the summary gets wrong.

Entities are the lexicon's drugs, conditions and abbreviations, compared by canonical name,
so ``HTN`` in the source and ``hypertension`` in the summary are one entity. A summary entity
is *supported* when the source names it, or names something more specific that contains it
word for word ("diabetes mellitus" for "type 2 diabetes mellitus", "insulin" for "insulin
glargine"); otherwise it is *hallucinated*. A source entity is *covered* when a summary
entity names it, generalises it or contains it (a more specific summary entity is flagged as
hallucinated, not also as an omission); otherwise it is *omitted*. A number with a unit in
the summary ("400 mg", "2 weeks", "120/80") is a *number error* unless the source has the
same value with the same unit (units normalized: "mg" = "milligrams"). Numbers are matched
against the whole source, not per drug.

Every list holds lexicon names or the summary's own quantities, never other source text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from core.evaluation.lexicon import Lexicon
from core.evaluation.quantities import find_quantities

__all__ = ["Fidelity", "aggregate_fidelity", "check_fidelity", "fidelity_flags"]

_WORD = re.compile(r"[^\W_]+")
_NEGATING = frozenset({"non", "not", "no"})


@dataclass(frozen=True)
class Fidelity:
    """The fidelity flags of one summary. Entity lists hold canonical lexicon names in order
    of first appearance; ``number_errors`` holds quantities as the summary writes them."""

    hallucinated: list[str]
    omitted: list[str]
    number_errors: list[str]
    supported: list[str]
    covered: list[str]

    @property
    def flagged(self) -> bool:
        """Whether anything is hallucinated, omitted or wrong in number."""
        return bool(self.hallucinated or self.omitted or self.number_errors)


def _canonicals(text: str, lexicon: Lexicon) -> dict[str, str]:
    names: dict[str, str] = {}
    for entity in lexicon.find(text):
        names.setdefault(entity.canonical.casefold(), entity.canonical)
    return names


def _words(name: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(name.casefold()))


def _names_or_generalises(general: tuple[str, ...], specific: tuple[str, ...]) -> bool:
    """Whether ``general`` is ``specific`` or a run of its words not negated ("non-Hodgkin")."""
    n = len(general)
    if n == 0 or n > len(specific):
        return False
    for i in range(len(specific) - n + 1):
        if specific[i:i + n] == general and (i == 0 or specific[i - 1] not in _NEGATING):
            return True
    return False


def check_fidelity(source: str, summary: str, lexicon: Lexicon) -> Fidelity:
    """Compare the entities and quantities of ``summary`` with those of ``source``."""
    source_names, summary_names = _canonicals(source, lexicon), _canonicals(summary, lexicon)
    source_words = {key: _words(name) for key, name in source_names.items()}
    summary_words = {key: _words(name) for key, name in summary_names.items()}
    supported, hallucinated, covered, omitted = [], [], [], []
    for key, name in summary_names.items():
        found = key in source_names or any(_names_or_generalises(summary_words[key], words)
                                           for words in source_words.values())
        (supported if found else hallucinated).append(name)
    for key, name in source_names.items():
        found = key in summary_names or any(_names_or_generalises(words, source_words[key])
                                            or _names_or_generalises(source_words[key], words)
                                            for words in summary_words.values())
        (covered if found else omitted).append(name)
    source_quantities = {(q.value, q.unit) for q in find_quantities(source)}
    number_errors: list[str] = []
    for quantity in find_quantities(summary):
        if (quantity.value, quantity.unit) not in source_quantities and quantity.surface not in number_errors:
            number_errors.append(quantity.surface)
    return Fidelity(hallucinated, omitted, number_errors, supported, covered)


def aggregate_fidelity(results: Sequence[Fidelity]) -> dict[str, float | int]:
    """Micro-averaged fidelity of many summaries, with counts.

    ``precision``: supported summary entities / all summary entities; ``recall``: covered
    source entities / all source entities (each 1.0 when there is nothing to count); then the
    numbers of hallucinated and omitted entities and of number errors, and how many summaries
    have any flag, and each kind of flag.
    """
    supported = sum(len(r.supported) for r in results)
    summary_entities = supported + sum(len(r.hallucinated) for r in results)
    covered = sum(len(r.covered) for r in results)
    source_entities = covered + sum(len(r.omitted) for r in results)
    return {
        "precision": supported / summary_entities if summary_entities else 1.0,
        "recall": covered / source_entities if source_entities else 1.0,
        "summaries": len(results),
        "summary_entities": summary_entities,
        "source_entities": source_entities,
        "hallucinated": summary_entities - supported,
        "omitted": source_entities - covered,
        "number_errors": sum(len(r.number_errors) for r in results),
        "summaries_flagged": sum(1 for r in results if r.flagged),
        "summaries_with_hallucination": sum(1 for r in results if r.hallucinated),
        "summaries_with_omission": sum(1 for r in results if r.omitted),
        "summaries_with_number_error": sum(1 for r in results if r.number_errors),
    }


def fidelity_flags(lexicon: Lexicon) -> Callable[[str, str], dict[str, Any]]:
    """A hook for :func:`core.generation.summarize_records`: the fidelity of a summary to its
    model input, as plain JSON (hallucinated, omitted, number errors, flagged)."""

    def flag(source: str, summary: str) -> dict[str, Any]:
        result = check_fidelity(source, summary, lexicon)
        return {"hallucinated": list(result.hallucinated), "omitted": list(result.omitted),
                "number_errors": list(result.number_errors), "flagged": result.flagged}

    return flag
