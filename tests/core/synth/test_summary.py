"""The reference summary: PHI-free, abbreviations expanded, grounded in the note, varied."""

from __future__ import annotations

import re
from collections import Counter

from core.synth import SyntheticCorpus, generate_corpus
from core.synth.clinical import DURATIONS, FOLLOWUPS
from core.synth.lexicon import (
    CONDITIONS,
    EPONYM_CONDITIONS,
    INVESTIGATIONS,
    MEDICATIONS,
    SYMPTOMS,
    condition,
)
from core.synth.summary import house_style

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
DATE_OR_ID = re.compile(rf"\d+[/.-]\d+[/.-]\d+|\b(?:{MONTHS}|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b|\d{{5,}}|"
                        r"\b(?:Dr|Mr|Ms|Mrs)\.|@|https?:")


def _mask_eponyms(text: str) -> str:
    """Drop eponymous condition names, which contain a surname but are not PHI."""
    for cond in EPONYM_CONDITIONS:
        text = re.sub(re.escape(cond.name), "", text, flags=re.IGNORECASE)
    return text


def test_summary_contains_no_phi_of_its_record(corpus: SyntheticCorpus, spans_by_record) -> None:
    for record in corpus.records:
        summary = _mask_eponyms(record["summary"])
        for span in spans_by_record[record["id"]]:
            pattern = r"(?<!\w)" + re.escape(span.text) + r"(?!\w)"
            assert not re.search(pattern, summary, re.IGNORECASE), (record["id"], span.category)
        assert not DATE_OR_ID.search(record["summary"]), record["summary"]


def test_over_89_ages_are_never_written_in_summaries(corpus: SyntheticCorpus) -> None:
    over = 0
    for record in corpus.records:
        numbers = [int(n) for n in re.findall(r"(\d+)-year-old|aged (\d+)", record["summary"]) for n in n if n]
        assert all(n <= 89 for n in numbers)
        if "over 89" in record["summary"] or "older than 89" in record["summary"]:
            over += 1
    assert over >= 5


def test_summaries_expand_abbreviations(corpus: SyntheticCorpus) -> None:
    text = " ".join(r["summary"] for r in corpus.records)
    for phrase in ("shortness of breath (SOB)", "chest pain (CP)", "electrocardiogram (ECG)", "aspirin (ASA)",
                   "Coronary Artery Disease (CAD)", "Hypertension (HTN)"):
        assert phrase in text or phrase.lower() in text.lower(), phrase


def test_summary_is_grounded_in_the_record(corpus: SyntheticCorpus) -> None:
    """Diagnosis, each medication with dose, and the follow-up interval come from the input fields."""
    for record in corpus.records:
        summary = record["summary"]
        dx = condition(record["diagnosis"])
        assert dx.title in summary
        for order in record["medications"]:
            med = next(m for m in MEDICATIONS if m.order == order)
            assert med.expanded in summary, (med, summary)
        fu = [f for f in FOLLOWUPS if re.search(rf"\b{re.escape(f.note)}\b", record["treatment_plan"])]
        assert fu and any(f.summary in summary for f in fu), record["id"]
        assert any(d.summary in summary and d.note in record["patient_history"] for d in DURATIONS)


def _skeleton(summary: str) -> str:
    terms = [c.title for c in CONDITIONS] + [c.expanded for c in CONDITIONS]
    terms += [t.expanded for t in SYMPTOMS + INVESTIGATIONS] + [m.expanded for m in MEDICATIONS]
    terms += [d.summary for d in DURATIONS] + [f.summary for f in FOLLOWUPS]
    for term in sorted(set(terms), key=len, reverse=True):
        summary = summary.replace(term, "X").replace(term[:1].upper() + term[1:], "X")
    summary = re.sub(r"\d+", "9", summary)
    return re.sub(r"X(?:(?:, and |, | and )X)*", "X", summary)


def test_summaries_vary_across_departments_in_phrasing_and_order() -> None:
    summaries = [r["summary"] for r in generate_corpus(200, 3).records]
    skeletons = Counter(_skeleton(s) for s in summaries)
    assert len(skeletons) > 50, len(skeletons)
    assert skeletons.most_common(1)[0][1] < 15
    first_sentences = {_skeleton(s).split(". ")[0] for s in summaries}
    assert len(first_sentences) > 15, len(first_sentences)
    departments = sorted({c.department for c in CONDITIONS})
    assert len({house_style(d) for d in departments}) == len(departments)


def test_a_department_writes_in_one_house_style() -> None:
    """The phrasing follows from the record (its department and visit), so a model can learn it."""
    openings: dict[tuple[str, bool], set[str]] = {}
    for record in generate_corpus(300, 5).records:
        summary = record["summary"]
        if "89" in summary:
            continue  # the over-89 subject has its own wording
        department = condition(record["diagnosis"]).department
        first = summary.split(". ")[0].lower()
        followup = "follow-up" in first or "seen again" in first
        opening = re.sub(r"\b(?:wo)?man\b|\b(?:fe)?male\b", "S", _skeleton(summary).split(". ")[0])
        opening = re.sub(r"\b([Aa])n\b", r"\1", opening)  # "an 80-year-old", "a 79-year-old"
        openings.setdefault((department, followup), set()).add(opening)
    assert len(openings) > 15
    assert {key: found for key, found in openings.items() if len(found) > 1} == {}


def test_house_style_is_the_same_on_every_machine() -> None:
    """Seeded from a CRC32 of the department's name, not Python's salted ``hash``: pinned."""
    house_style.cache_clear()
    cardiology = house_style("Cardiology")
    assert (cardiology.present_new, cardiology.present_followup, cardiology.subject, cardiology.history) == (1, 1, 2, 2)
    assert cardiology.merged_tests_fu == 1 and cardiology.merged_dx_meds is None
    assert generate_corpus(5, 9).records[0]["summary"] == generate_corpus(5, 9).records[0]["summary"]


def test_summary_sources_are_the_summary_sentence_by_sentence(corpus: SyntheticCorpus) -> None:
    """The provenance gold: the planned sentences make up the summary, each with fields of its record."""
    assert len(corpus.summary_sources) == len(corpus.records)
    for record, plan in zip(corpus.records, corpus.summary_sources, strict=True):
        assert " ".join(sentence for sentence, _ in plan) == record["summary"]
        assert all(fields and fields <= record.keys() for _, fields in plan)
    firsts = {plan[0][1] for plan in corpus.summary_sources}
    assert firsts == {frozenset({"patient_history"})}  # the presentation comes from the history note
