"""Score de-identification findings against gold PHI spans.

Two views, per category and overall:

- token level: the text of each field is split into word tokens; a gold token counts as
  found when any finding overlaps it (whatever category the finding has, since a redacted
  identifier is protected either way), and a predicted token is correct when it overlaps
  any gold span;
- entity level: a gold span is found when a finding overlaps it; a finding is correct when it
  overlaps a gold span.

Recall per category is over gold categories; precision per category is over predicted
categories (a predicted token of category C that hits gold of any category is a hit for C), and
the overall precision is over every predicted token. Patient-name tokens (tokens of gold NAME spans that also occur in the record's
``patient_name`` field) are counted separately: missing one is the worst failure.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["Span", "Counts", "Scores", "score"]

_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Span:
    """A labelled span of one field of one record (gold or predicted)."""

    record_id: str
    path: str
    start: int
    end: int
    category: str


@dataclass
class Counts:
    """True positives, false positives and false negatives of one category."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    pred_tp: int | None = None  # entity level: predictions that hit gold (several may hit one)

    def as_dict(self) -> dict[str, float | int | None]:
        """Counts with recall, precision and F1 (``None`` where undefined)."""
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else None
        hits = self.tp if self.pred_tp is None else self.pred_tp
        predicted = hits + self.fp
        precision = hits / predicted if predicted else None
        f1 = (2 * recall * precision / (recall + precision)
              if recall is not None and precision is not None and recall + precision else None)
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "recall": _r(recall), "precision": _r(precision), "f1": _r(f1)}


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


@dataclass
class Scores:
    """Token- and entity-level counts per category, plus the patient-name check."""

    token: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    entity: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    patient_name_tokens: int = 0
    patient_name_tokens_missed: int = 0

    def overall(self, level: str) -> Counts:
        """Counts summed over categories: each token or span once."""
        table = self.token if level == "token" else self.entity
        total = Counts()
        total.tp = sum(c.tp for c in table.values())
        total.fn = sum(c.fn for c in table.values())
        total.fp = sum(c.fp for c in table.values())
        if level == "entity":
            total.pred_tp = sum(c.pred_tp or 0 for c in table.values())
        return total

    def to_json(self) -> dict[str, object]:
        """The scores as a JSON-ready dict."""
        def table(counts: dict[str, Counts]) -> dict[str, object]:
            return {cat: counts[cat].as_dict() for cat in sorted(counts)}
        return {
            "token": {"overall": self.overall("token").as_dict(), "by_category": table(self.token)},
            "entity": {"overall": self.overall("entity").as_dict(), "by_category": table(self.entity)},
            "patient_name_tokens": self.patient_name_tokens,
            "patient_name_tokens_missed": self.patient_name_tokens_missed,
        }


def _overlaps(a_start: int, a_end: int, spans: list[Span]) -> Span | None:
    for span in spans:
        if span.start < a_end and a_start < span.end:
            return span
    return None


def score(texts: dict[tuple[str, str], str], gold: Iterable[Span], predicted: Iterable[Span],
          patient_names: dict[str, set[str]] | None = None) -> Scores:
    """Score ``predicted`` against ``gold`` over the field ``texts`` keyed by (record id, path).

    ``patient_names`` maps a record id to the folded tokens of its patient's name.
    """
    by_field_gold: dict[tuple[str, str], list[Span]] = defaultdict(list)
    by_field_pred: dict[tuple[str, str], list[Span]] = defaultdict(list)
    for span in gold:
        by_field_gold[(span.record_id, span.path)].append(span)
    for span in predicted:
        by_field_pred[(span.record_id, span.path)].append(span)
    scores = Scores()
    for key in set(by_field_gold) | set(by_field_pred):
        text = texts.get(key, "")
        golds, preds = by_field_gold.get(key, []), by_field_pred.get(key, [])
        names = (patient_names or {}).get(key[0], set())
        for token in _TOKEN.finditer(text):
            g = _overlaps(token.start(), token.end(), golds)
            p = _overlaps(token.start(), token.end(), preds)
            if g is not None:
                scores.token[g.category].tp += p is not None
                scores.token[g.category].fn += p is None
                if p is not None:  # the predicted category's precision counts the hit
                    hit = scores.token[p.category]
                    hit.pred_tp = (hit.pred_tp or 0) + 1
                if g.category == "NAME" and token.group(0).casefold() in names:
                    scores.patient_name_tokens += 1
                    scores.patient_name_tokens_missed += p is None
            elif p is not None:
                scores.token[p.category].fp += 1
        for g in golds:
            found = _overlaps(g.start, g.end, preds) is not None
            scores.entity[g.category].tp += found
            scores.entity[g.category].fn += not found
        for p in preds:
            counts = scores.entity[p.category]
            if _overlaps(p.start, p.end, golds) is None:
                counts.fp += 1
            else:
                counts.pred_tp = (counts.pred_tp or 0) + 1
    return scores
