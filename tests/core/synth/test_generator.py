"""Record counts, ids, patients with several encounters, consistency and field shape."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest

from core.synth import SyntheticCorpus, generate_corpus
from core.synth.formats import age_on

REQUIRED = ("id", "patient_name", "dob", "mrn", "summary", "patient_history", "diagnosis", "treatment_plan")
PATIENT_FIELDS = ("patient_name", "dob", "mrn", "ssn", "phone", "fax", "email", "address", "insurance", "contacts")


def _by_patient(corpus: SyntheticCorpus) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for record in corpus.records:
        grouped[record["mrn"]].append(record)
    return grouped


@pytest.mark.parametrize("n", [1, 2, 7, 53])
def test_exact_count_and_sequential_unique_ids(n: int) -> None:
    corpus = generate_corpus(n, 5)
    assert len(corpus.records) == n
    assert [r["id"] for r in corpus.records] == [f"r-{i:06d}" for i in range(1, n + 1)]


@pytest.mark.parametrize("n", [0, -3])
def test_n_below_one_is_rejected(n: int) -> None:
    with pytest.raises(ValueError):
        generate_corpus(n, 1)


def test_required_fields_always_present_and_strings(corpus: SyntheticCorpus) -> None:
    for record in corpus.records:
        for field in REQUIRED:
            assert isinstance(record[field], str) and record[field].strip(), (record["id"], field)
        assert all(isinstance(m, str) for m in record["medications"])


def test_most_patients_have_several_encounters(corpus: SyntheticCorpus) -> None:
    patients = _by_patient(corpus)
    counts = [len(v) for v in patients.values()]
    assert max(counts) <= 5
    assert sum(c > 1 for c in counts) > 0.6 * len(counts)
    assert len(set(counts)) >= 4  # varied, not a fixed number per patient


def test_patient_fields_repeat_consistently_and_dates_are_chronological(corpus: SyntheticCorpus) -> None:
    for records in _by_patient(corpus).values():
        first = records[0]
        for record in records[1:]:
            for field in PATIENT_FIELDS:
                assert record.get(field) == first.get(field), field
        dates = [date.fromisoformat(r["encounter"]["date"]) for r in records]
        assert dates == sorted(dates) and len(set(dates)) == len(dates)
        assert all(date.fromisoformat(first["dob"]) < d for d in dates)
    # records of one patient are contiguous, so the mrn identifies exactly one patient
    seen: list[str] = []
    for record in corpus.records:
        if not seen or seen[-1] != record["mrn"]:
            assert record["mrn"] not in seen
            seen.append(record["mrn"])


def test_optional_fields_vary(corpus: SyntheticCorpus) -> None:
    records = corpus.records
    for field in ("ssn", "phone", "fax", "email", "address", "insurance", "notes"):
        present = sum(field in r for r in records)
        assert 0 < present < len(records), field
    assert {len(r.get("contacts", [])) for r in records} == {0, 1, 2}
    assert 0 < sum("account_number" in r["encounter"] for r in records) < len(records)


def test_nested_shape(corpus: SyntheticCorpus) -> None:
    for record in corpus.records:
        assert set(record["encounter"]) <= {"date", "facility", "attending", "department", "account_number"}
        if "address" in record:
            assert set(record["address"]) == {"street", "city", "state", "zip"}
        if "insurance" in record:
            assert set(record["insurance"]) == {"provider", "member_id"}
        for contact in record.get("contacts", []):
            assert set(contact) == {"name", "relation", "phone"}


def test_some_patients_are_over_89_and_ages_fit_dob(corpus: SyntheticCorpus) -> None:
    ages = [age_on(date.fromisoformat(r["dob"]), date.fromisoformat(r["encounter"]["date"])) for r in corpus.records]
    assert min(ages) >= 18
    assert sum(a > 89 for a in ages) >= 5
    assert sum(a <= 89 for a in ages) > len(ages) / 2


def test_encounter_dates_are_plausible(corpus: SyntheticCorpus) -> None:
    for record in corpus.records:
        assert date(2015, 1, 1) <= date.fromisoformat(record["encounter"]["date"]) <= date(2025, 6, 30)
