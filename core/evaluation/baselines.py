"""Rule-based baselines every trained model must beat: a structured summary and lead-n.

The model input (a dataset's ``source``) is a record's fields flattened to ``key: value``
lines (:mod:`core.records.flatten`), or free text such as an MTS-Dialog conversation.

:func:`structured_baseline` fills a fixed template from the clinical fields, in the order
of the synthetic reference summaries: presentation, past history, diagnosis, medications,
work-up, follow-up. From the free-text fields (history, plan) it takes only lexicon entities
and durations, so their other words (names, places) never reach the output; the diagnosis
and medication fields are copied with their abbreviations spelled out ("CAD" ->
"coronary artery disease (CAD)"; dosing shorthand such as "PO BID" -> "by mouth twice
daily"). Free text without clinical fields falls back to lead-2.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from core.evaluation.lexicon import Entity, Lexicon
from core.evaluation.quantities import TIME_UNITS, find_quantities, spoken
from core.evaluation.sentences import split_sentences

__all__ = ["expand_abbreviations", "lead_n", "parse_fields", "structured_baseline"]

_FIELD_LINE = re.compile(r"^\s*(?P<key>[A-Za-z_][\w.\[\]-]*)\s*:[ \t]*(?P<value>.*?)\s*$")
_HISTORY_CUE = re.compile(r"^\W*(?:PMH|PSH|Hx|h/o|history|past|known|chronic|comorbidit)", re.IGNORECASE)
_FOLLOW_UP_CUE = re.compile(r"\b(?:f/u|follow[- ]?up|RTC|return|see back|next appt|recheck)", re.IGNORECASE)

# Folded field names (the last dotted part, letters and digits only) and their role.
_ROLES: dict[str, str] = {
    **dict.fromkeys(("chiefcomplaint", "presentingcomplaint", "complaint", "cc", "symptoms", "reasonforvisit",
                     "presentation"), "presentation"),
    **dict.fromkeys(("patienthistory", "history", "hpi", "historyofpresentillness", "pmh", "pastmedicalhistory",
                     "medicalhistory", "subjective", "clinicalhistory"), "history"),
    **dict.fromkeys(("diagnosis", "diagnoses", "dx", "assessment", "impression", "problem", "problems",
                     "primarydiagnosis"), "diagnosis"),
    **dict.fromkeys(("medications", "medication", "meds", "prescriptions", "medicationlist", "drugs",
                     "currentmedications"), "medications"),
    **dict.fromkeys(("treatmentplan", "plan", "assessmentandplan", "recommendations", "followup", "orders",
                     "disposition"), "plan"),
}


def lead_n(source: str, n: int = 3) -> str:
    """The first ``n`` sentences of ``source`` (split as ROUGE-Lsum splits), joined by spaces."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    return " ".join(split_sentences(source)[:n])


def parse_fields(source: str) -> dict[str, str]:
    """The clinical fields of a flattened record by role (``presentation``, ``history``,
    ``diagnosis``, ``medications``, ``plan``); lines of one role are joined. Empty for free
    text, dialogues ("Doctor: ...") included, and for records without a clinical field."""
    fields: dict[str, list[str]] = {}
    for line in source.splitlines():
        match = _FIELD_LINE.match(line)
        if match is None or not match.group("value"):
            continue
        last = re.sub(r"\[\d+\]", "", match.group("key")).split(".")[-1]
        role = _ROLES.get(re.sub(r"[^a-z0-9]", "", last.casefold()))
        if role is not None:
            fields.setdefault(role, []).append(match.group("value"))
    joiner = {"medications": "; "}
    return {role: joiner.get(role, " ").join(values) for role, values in fields.items()}


def _spelled(entity: Entity, lexicon: Lexicon, dosing: bool) -> str:
    """An entity as the summary writes it: abbreviations spelled out."""
    expansion = lexicon.expansion(entity.surface)
    if expansion is None:
        return entity.canonical if entity.surface.isupper() and len(entity.surface) > 4 else entity.surface
    if dosing and entity.kind == "abbrev":
        return expansion
    return f"{expansion} ({entity.surface})"


def expand_abbreviations(text: str, lexicon: Lexicon, *, dosing: bool = False) -> str:
    """``text`` with each abbreviation of the lexicon spelled out: ``CAD`` -> ``coronary artery
    disease (CAD)``. With ``dosing``, routes and frequencies lose the abbreviation
    (``PO BID`` -> ``by mouth twice daily``); drug and condition abbreviations keep it."""
    pieces: list[str] = []
    position = 0
    for entity in lexicon.find(text):
        expansion = lexicon.expansion(entity.surface)
        before = text[:entity.start].rstrip().casefold()
        if expansion is None or text[entity.end:].lstrip().startswith("(") or before.endswith(
                f"{expansion.casefold()} ("):
            continue
        pieces += [text[position:entity.start], _spelled(entity, lexicon, dosing)]
        position = entity.end
    return "".join(pieces) + text[position:]


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _unique(entities: Iterable[Entity], lexicon: Lexicon, exclude: set[str]) -> list[str]:
    """Spelled-out entities, one per canonical name, skipping names in ``exclude`` (which grows)."""
    out: list[str] = []
    for entity in entities:
        key = entity.canonical.casefold()
        if key not in exclude:
            exclude.add(key)
            out.append(_spelled(entity, lexicon, dosing=False))
    return out


def _duration(text: str) -> str | None:
    for quantity in find_quantities(text):
        if quantity.unit in TIME_UNITS:
            return spoken(quantity)
    return None


def _follow_up(plan: str) -> str | None:
    for sentence in split_sentences(plan):
        cue = _FOLLOW_UP_CUE.search(sentence)
        if cue is not None:
            found = _duration(sentence[cue.start():])
            if found is not None:
                return found
    return None


def _presentation(fields: dict[str, str], lexicon: Lexicon, seen: set[str]) -> tuple[str | None, list[str]]:
    """The presentation sentence, and the history sentences it did not use."""
    history = split_sentences(fields.get("history", ""))
    candidates = split_sentences(fields["presentation"]) if "presentation" in fields else history
    for i, sentence in enumerate(candidates):
        if _HISTORY_CUE.match(sentence):
            continue
        symptoms = _unique((e for e in lexicon.find(sentence) if e.kind == "condition"), lexicon, seen)
        if symptoms:
            duration = _duration(sentence)
            rest = history if candidates is not history else history[:i] + history[i + 1:]
            return f"Patient presented with {_join(symptoms)}{f' for {duration}' if duration else ''}.", rest
    return None, history


def structured_baseline(source: str, lexicon: Lexicon) -> str:
    """A template summary of a flattened record (see the module docstring); lead-2 for free text."""
    fields = parse_fields(source)
    diagnosis = fields.get("diagnosis", "")
    seen = {e.canonical.casefold() for e in lexicon.find(diagnosis)}
    sentences: list[str] = []
    presentation, history = _presentation(fields, lexicon, seen)
    if presentation:
        sentences.append(presentation)
    past = _unique((e for s in history for e in lexicon.find(s) if e.kind == "condition"), lexicon, seen)
    if past:
        sentences.append(f"Past medical history includes {_join(past)}.")
    if diagnosis:
        sentences.append(f"Diagnosis: {expand_abbreviations(diagnosis, lexicon)}.")
    plan = fields.get("plan", "")
    if fields.get("medications"):
        orders = [item.strip() for item in fields["medications"].split(";") if item.strip()]
        sentences.append(f"Medications: {_join([expand_abbreviations(o, lexicon, dosing=True) for o in orders])}.")
    else:
        drugs = _unique((e for e in lexicon.find(plan) if e.kind == "drug"), lexicon, set())
        if drugs:
            sentences.append(f"Medications: {_join(drugs)}.")
    tests = _unique((e for e in lexicon.find(plan) if e.kind == "abbrev"), lexicon, set())
    if tests:
        sentences.append(f"Workup includes {_join(tests)}.")
    follow_up = _follow_up(plan)
    if follow_up:
        sentences.append(f"Follow-up in {follow_up}.")
    return " ".join(sentences) if sentences else lead_n(source, 2)
