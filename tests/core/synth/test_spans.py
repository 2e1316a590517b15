"""Gold spans: exact offsets, structured PHI at depth, and the surface forms of free-text PHI."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime

from privacy.phi import PhiCategory

from core.synth import GoldSpan, SyntheticCorpus
from core.synth.formats import WEEKDAYS, age_on
from core.synth.spans import STRUCTURED_PHI, iter_leaves, resolve_path

DATE_FORMATS = {
    "mdy_slash": r"\d{2}/\d{2}/\d{4}",
    "iso": r"\d{4}-\d{2}-\d{2}",
    "long": r"[a-z]+ \d{1,2}, \d{4}",
    "dmy_abbr": r"\d{1,2} [a-z]{3} \d{4}",
    "mon_day": r"[a-z]{3} \d{1,2}",
    "md_slash": r"\d{1,2}/\d{1,2}",
    "mdy_dash_short": r"\d{1,2}-\d{1,2}-\d{2}",
    "dmy_dot": r"\d{2}\.\d{2}\.\d{4}",
    "weekday_long": r"[a-z]+day, [a-z]+ \d{1,2}, \d{4}",
    "mdy_slash_short": r"\d{1,2}/\d{1,2}/\d{2}",
}
FREE_TEXT = ("patient_history", "treatment_plan", "notes")
PHONE_FORMATS = {
    "paren": r"\(\d{3}\) \d{3}-\d{4}",
    "dash": r"\d{3}-\d{3}-\d{4}",
    "dot": r"\d{3}\.\d{3}\.\d{4}",
    "intl": r"\+1 \d{3} \d{3} \d{4}",
    "digits": r"\d{10}",
}


def _classify(text: str, formats: dict[str, str]) -> str | None:
    hits = [name for name, pattern in formats.items() if re.fullmatch(pattern, text, re.I)]
    assert len(hits) <= 1, (text, hits)
    return hits[0] if hits else None


def _record(corpus: SyntheticCorpus, span: GoldSpan) -> dict:
    return corpus.records[int(span.record_id.split("-")[1]) - 1]


def test_every_span_resolves_to_its_text(corpus: SyntheticCorpus) -> None:
    categories = {c.value for c in PhiCategory}
    assert corpus.gold
    for span in corpus.gold:
        value = resolve_path(_record(corpus, span), span.path)
        assert isinstance(value, str)
        assert 0 <= span.start < span.end <= len(value)
        assert value[span.start:span.end] == span.text
        assert span.text == span.text.strip()
        assert span.category in categories
        assert span.to_json()["text"] == span.text


def test_spans_in_one_field_do_not_overlap(spans_by_record: dict[str, list[GoldSpan]]) -> None:
    for spans in spans_by_record.values():
        by_path: dict[str, list[GoldSpan]] = {}
        for span in spans:
            by_path.setdefault(span.path, []).append(span)
        for group in by_path.values():
            group.sort(key=lambda s: s.start)
            for a, b in zip(group, group[1:]):
                assert a.end <= b.start, (a, b)


def test_structured_phi_at_depth_is_covered_whole(corpus: SyntheticCorpus, spans_by_record) -> None:
    seen_paths = set()
    for record in corpus.records:
        spans = {(s.path, s.start, s.end, s.category) for s in spans_by_record[record["id"]]}
        for path, value in iter_leaves(record):
            pattern = ".".join("*" if p.isdigit() else p for p in path.split("."))
            whole = [s for s in spans if s[0] == path]
            if pattern in STRUCTURED_PHI:
                assert whole == [(path, 0, len(value), str(STRUCTURED_PHI[pattern]))], path
                seen_paths.add(path)
            elif path.split(".")[0] not in ("patient_history", "treatment_plan", "notes"):
                assert not whole, f"non-PHI field {path} has a span"
    for path in ("patient_name", "dob", "mrn", "ssn", "phone", "fax", "email", "address.street", "address.city",
                 "address.zip", "insurance.member_id", "contacts.0.name", "contacts.0.phone", "contacts.1.name",
                 "encounter.date", "encounter.facility", "encounter.attending", "encounter.account_number"):
        assert path in seen_paths, path


def test_patient_name_forms_in_free_text(corpus: SyntheticCorpus, spans_by_record) -> None:
    forms: Counter[str] = Counter()
    for record in corpus.records:
        first, last = record["patient_name"].split(" ")
        expected = {"full": f"{first} {last}", "last": last, "first": first, "initials": f"{first[0]}.{last[0]}.",
                    "upper_full": f"{first} {last}".upper(), "upper_last": last.upper()}
        texts = {s.text for s in spans_by_record[record["id"]] if s.category == "NAME" and s.path != "patient_name"
                 and s.path.split(".")[0] in ("patient_history", "treatment_plan", "notes")}
        forms.update(kind for kind, text in expected.items() if text in texts)
    for kind in ("full", "last", "first", "initials", "upper_full", "upper_last"):
        assert forms[kind] >= 3, (kind, forms)


def test_clinician_and_relative_names_in_free_text(free_text_spans) -> None:
    before = Counter()
    for span, text in free_text_spans:
        if span.category != "NAME":
            continue
        prefix = text[max(0, span.start - 12):span.start].lower()
        for cue in ("dr. ", "seen by ", "rn ", "nurse ", "wife ", "husband ", "daughter ", "son ", "sister "):
            if prefix.endswith(cue):
                before[cue] += 1
    for cue in ("dr. ", "seen by ", "rn ", "nurse "):
        assert before[cue] >= 3, before
    assert sum(before[c] for c in ("wife ", "husband ", "daughter ", "son ", "sister ")) >= 10, before


def test_date_spans_use_many_formats_and_real_weekdays(free_text_spans) -> None:
    formats = Counter()
    for span, _ in free_text_spans:
        if span.category == "DATE":
            kind = _classify(span.text, DATE_FORMATS)
            assert kind is not None, span.text
            formats[kind] += 1
            if kind == "weekday_long":
                weekday, rest = span.text.split(", ", 1)
                parsed = datetime.strptime(rest.title(), "%B %d, %Y").date()
                assert WEEKDAYS[parsed.weekday()] == weekday.title(), span.text
    assert len(formats) >= 8, formats


def test_phone_and_fax_spans_use_several_formats(free_text_spans) -> None:
    phones, faxes = Counter(), Counter()
    for span, _ in free_text_spans:
        if span.category in ("PHONE", "FAX"):
            kind = _classify(span.text, PHONE_FORMATS)
            assert kind is not None, span.text
            (phones if span.category == "PHONE" else faxes)[kind] += 1
    assert len(phones) == 5, phones
    assert len(faxes) >= 3, faxes


def test_ages_over_89_are_spans_and_younger_ages_are_not(corpus: SyntheticCorpus, spans_by_record) -> None:
    age_spans = [s for s in corpus.gold if s.category == "AGE"]
    assert age_spans
    for span in age_spans:
        record = _record(corpus, span)
        age = age_on(date.fromisoformat(record["dob"]), date.fromisoformat(record["encounter"]["date"]))
        assert int(span.text) == age > 89
    unmarked_young = 0
    for record in corpus.records:
        text = record["patient_history"]
        covered = [(s.start, s.end) for s in spans_by_record[record["id"]] if s.path == "patient_history"]
        for m in re.finditer(r"\b(\d{2,3})(?: ?y/o|yo| yo|-year-old|[FM]\b)", text):
            if int(m.group(1)) <= 89:
                assert not any(a <= m.start(1) < b for a, b in covered)
                unmarked_young += 1
    assert unmarked_young > 50


def test_other_identifier_categories_in_free_text(free_text_spans) -> None:
    found = Counter(span.category for span, _ in free_text_spans)
    for category in ("URL", "IP", "ADDRESS", "CITY", "ZIP", "MRN", "SSN", "EMAIL", "FAX", "FACILITY",
                     "HEALTH_PLAN", "ACCOUNT", "DEVICE", "LICENSE", "VEHICLE"):
        assert found[category] >= 2, (category, found)
    for span, _ in free_text_spans:
        if span.category == "IP":
            assert all(0 <= int(p) <= 255 for p in span.text.split(".")) and span.text.count(".") == 3
        if span.category == "URL":
            assert re.fullmatch(r"https?://[\w.-]+/\S+", span.text), span.text


def test_no_phi_value_leaks_outside_spans(corpus: SyntheticCorpus, spans_by_record) -> None:
    """Every structured PHI value, and the patient's first and last name, found in free text
    (whole word, any case) lies inside a gold span of that field."""
    checked = 0
    for record in corpus.records:
        spans = spans_by_record[record["id"]]
        first, last = record["patient_name"].split(" ")
        values = {first, last} | {s.text for s in spans if s.path.split(".")[0] not in FREE_TEXT}
        for field in FREE_TEXT:
            text = record.get(field)
            if not text:
                continue
            covered = [(s.start, s.end) for s in spans if s.path == field]
            for value in values:
                for m in re.finditer(r"(?<!\w)" + re.escape(value) + r"(?!\w)", text, re.I):
                    assert any(a <= m.start() and m.end() <= b for a, b in covered), (record["id"], field, value)
                    checked += 1
    assert checked > 500
