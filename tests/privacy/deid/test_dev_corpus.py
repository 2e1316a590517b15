"""The hand-written development corpus (tests/fixtures/deid_dev: 339 invented notes in the styles
of real ones, with gold spans): recall and precision floors, and recall that no change of case
can lower.

The floors are the issue's targets (recall 0.99 overall and 0.98 in every category, precision
0.80), which the corpus meets, so a change that loses recall fails here;
docs/deidentification.md gives the figures.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from privacy.deid.engine import Deidentifier
from privacy.deid.settings import DeidSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "fixtures" / "deid_dev"))
from corpus import Note, load_corpus  # noqa: E402

_TOKEN = re.compile(r"\w+")
# The targets; measured on all 339 notes (docs/deidentification.md): recall 0.992,
# precision 0.900, every category 0.981 or more (FACILITY 0.981, CITY 0.984, HEALTH_PLAN 0.985).
RECALL_FLOOR = 0.99
CATEGORY_FLOOR = 0.98
_NOTES = load_corpus()
_ENGINE = Deidentifier(DeidSettings(strategy="redact"))


def _token_counts(note: Note, text: str) -> tuple[Counter[str], Counter[str], int, int]:
    """Gold tokens found and missed by category, and predicted tokens right and wrong, for
    ``text`` (the note, possibly in another case: the gold offsets still hold)."""
    found, missed = Counter[str](), Counter[str]()
    right = wrong = 0
    detections = _ENGINE.detect_text(text)
    for token in _TOKEN.finditer(text):
        s, e = token.span()
        gold = next((g for g in note.spans if g.start < e and s < g.end), None)
        hit = any(d.start < e and s < d.end for d in detections)
        if gold is not None:
            (found if hit else missed)[gold.category] += 1
        if hit:
            right += gold is not None
            wrong += gold is None
    return found, missed, right, wrong


def _recall(note: Note, text: str) -> float:
    found, missed, _, _ = _token_counts(note, text)
    total = sum(found.values()) + sum(missed.values())
    return sum(found.values()) / total if total else 1.0


def test_the_corpus_is_big_and_varied() -> None:
    assert len(_NOTES) >= 150
    styles = {n.style for n in _NOTES}
    assert {"nursing-caps", "nursing-lower", "telegraphic", "discharge", "radiology", "social-work",
            "phone-message"} <= styles


def test_recall_and_precision_floors() -> None:
    found, missed = Counter[str](), Counter[str]()
    right = wrong = 0
    for note in _NOTES:
        f, m, r, w = _token_counts(note, note.text)
        found += f
        missed += m
        right += r
        wrong += w
    recall = sum(found.values()) / (sum(found.values()) + sum(missed.values()))
    precision = right / (right + wrong)
    by_category = {c: found[c] / (found[c] + missed[c]) for c in found | missed}
    assert recall >= RECALL_FLOOR, (recall, by_category)
    assert precision >= 0.80, precision
    low = {c: round(r, 4) for c, r in by_category.items() if r < CATEGORY_FLOOR}
    assert not low, low


@pytest.mark.parametrize("case", [str.lower, str.upper], ids=["lower", "upper"])
def test_changing_case_never_lowers_recall(case) -> None:
    """The property, checked on every note: lowering or raising its case never loses a gold token."""
    worse = []
    for note in _NOTES:
        changed = case(note.text)
        assert len(changed) == len(note.text)
        if _recall(note, changed) < _recall(note, note.text):
            worse.append(note.record_id)
    assert worse == []


_TEMPLATES = ("dtr {} called re meds.", "seen by dr {} today.", "lives in {} with wife.",
              "transferred from {} hosp overnight.", "pt's hcp is {}, aware.", "spoke with {} (np).",
              "per {}, ok to advance diet.", "husband {} at bedside.", "Ask to page {} with results.")
_SYLLABLES = st.sampled_from(["ka", "zu", "lei", "vor", "bran", "dt", "ogh", "mir", "tsa", "quel", "rhy", "ndo"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(st.tuples(st.sampled_from(_TEMPLATES), st.lists(_SYLLABLES, min_size=2, max_size=4)),
                      min_size=1, max_size=5),
       style=st.sampled_from([str.title, str.capitalize, lambda s: s]))
def test_generated_notes_keep_their_recall_in_every_case(parts, style) -> None:
    """Property on generated notes: invented names (no lexicon holds them) in clinical phrases;
    whatever case the note is written in, every name is found, and lowering or raising the
    case never finds fewer."""
    pieces, spans, cursor = [], [], 0
    for template, syllables in parts:
        name = "".join(syllables)
        sentence = style(template.format(name))
        start = sentence.lower().index(name)
        spans.append((cursor + start, cursor + start + len(name)))
        pieces.append(sentence + " ")
        cursor += len(sentence) + 1
    text = "".join(pieces)

    def found(variant: str) -> int:
        detections = _ENGINE.detect_text(variant)
        return sum(any(d.start < e and s < d.end for d in detections) for s, e in spans)

    original = found(text)
    assert original == len(spans), text
    assert found(text.lower()) >= original and found(text.upper()) >= original
