"""A facility found in part grows to the edges of its whole name (privacy/deid/facility_edges.py),
in every case, and the edges stop where the name does."""

from __future__ import annotations

import pytest

from privacy.deid.allowpass import allow_pass
from privacy.deid.detection import resolve_overlaps
from privacy.deid.names import detect_names
from privacy.deid.patterns import detect_patterns
from privacy.deid.settings import DeidSettings
from privacy.phi import PhiCategory as C

_LISTS = DeidSettings().word_lists()


def _found(text: str) -> list[str]:
    found = resolve_overlaps(detect_patterns(text) + detect_names(text))
    return [text[d.start:d.end] for d in resolve_overlaps(found + allow_pass(text, found, _LISTS))]


def _covered(text: str, name: str) -> bool:
    """Whether one detection covers the whole of ``name`` in ``text``."""
    start = text.index(name)
    found = resolve_overlaps(detect_patterns(text) + detect_names(text))
    every = resolve_overlaps(found + allow_pass(text, found, _LISTS))
    return any(d.start <= start and start + len(name) <= d.end for d in every)


CASES = [
    # a bracket after a place word, or ending in a facility word
    ("suboxone dose confirmed w/ program (quarry opco) this am.", "quarry opco"),
    ("Found by a friend at 22 Route 9 (Blue Lantern Motel) after midnight.", "Blue Lantern Motel"),
    # "of <place>" after a facility, and a run before "of <a found place>"
    ("Home health via VNA of Lower Kettle. RN visit tomorrow.", "VNA of Lower Kettle"),
    ("Referred to Neighbors Food Pantry of Greater Tulsa for groceries.", "Neighbors Food Pantry of Greater Tulsa"),
    # two finds joined by "on the"
    ("Mother lives at Maplebrook on the Hudson, visits weekly.", "Maplebrook on the Hudson"),
    # a name found from its head word takes the word that modifies it
    ("Followed at the Wound Center at Saint Odile's, seen by Dr. Vrabie.", "Wound Center at Saint Odile"),
    # the article after a place cue
    ("Evaluated for transplant at the Brannock last spring.", "the Brannock"),
    # a bare "Mt." or "St." takes the name after it, up to its facility word
    ("Outside records from Mt. Keldor Regional arrived by fax.", "Mt. Keldor Regional"),
    # a store's number
    ("Metformin filled at Walgreens #4471 in Ashby, Dr. Imre Vashti.", "Walgreens #4471"),
    # a name before "Head Start" or before a home's word and its kind
    ("Her twins attend Marrowby Head Start, per Dr. Imre Vashti.", "Marrowby Head Start"),
    ("Disposition: Quillon House group home, per Dr. Imre Vashti.", "Quillon House"),
    # a firm's "& Sons"
    ("Body released to Tsurugi & Sons Mortuary, 555-0184.", "Tsurugi & Sons Mortuary"),
    # where a patient works or goes to school
    ("Drives for Pellmore Yellow Cab, Dr. Imre Vashti aware.", "Pellmore Yellow Cab"),
    ("She asks for a note for her employer, Garnet Ridge Tile & Stone, by Friday.", "Garnet Ridge Tile & Stone"),
    ("Attends Little Wrens Child Care 5 days/wk, per Dr. Imre Vashti.", "Little Wrens Child Care"),
    # a ward named for a person, with its floor
    ("Stable, ?transfer to Brannigan 6 tomorrow, Dr. Imre Vashti aware.", "Brannigan 6"),
    ("Came from the MICU (Ostrowski 5) last night, Dr. Imre Vashti aware.", "Ostrowski 5"),
    # a saint's name in the possessive
    ("Admitted from St. Q's ED after a fall, Dr. Imre Vashti aware.", "St. Q's"),
    # a letterhead name before ", <town>"
    ("CONSULT NOTE - Kestrel Ridge Dental, Amarillo. Dr. Imre Vashti.", "Kestrel Ridge Dental"),
    # the VA and its town
    ("Gets primary care at the VA in Tomah, Dr. Imre Vashti.", "VA in Tomah"),
    # a day program, a town's fire and police, an employer after "retired from"
    ("Pt goes to Quarrytown Adult Day m/w/f, per Dr. Imre Vashti.", "Quarrytown Adult Day"),
    ("Intubated by Saugus Fire, Dr. Imre Vashti aware.", "Saugus Fire"),
    ("Pt retired from Quillmore Plastics, Dr. Imre Vashti aware.", "Quillmore Plastics"),
]


@pytest.mark.parametrize("case", [str, str.lower, str.upper], ids=["as written", "lower", "upper"])
@pytest.mark.parametrize(("text", "name"), CASES)
def test_a_facility_grows_to_its_whole_name(case, text: str, name: str) -> None:
    assert _covered(case(text), case(name)), _found(case(text))


@pytest.mark.parametrize(("text", "kept"), [
    ("Seen by cardiology (Dr. Imre Vashti) today.", "Dr."),  # a title is no part of a place's name
    ("Pain in back of the neck, clinic f/u 2 wk.", "back"),  # no find, no growth
    ("Started on aspirin (no bleeding hx).", "bleeding"),
    ("discussed at the team meeting, plan unchanged.", "the"),
    ("Dressing per Lakemoor Wound Clinic of wound care, Dr. Imre Vashti.", "care"),  # a clinical tail
    ("Spoke with Dr. Imre Vashti at the bedside.", "bedside"),
])
def test_the_edges_stop_where_the_name_does(text: str, kept: str) -> None:
    assert not any(kept in found.split() for found in _found(text)), _found(text)


@pytest.mark.parametrize("text", [
    "enrolled in head start this fall, Dr. Imre Vashti aware.",
    "returned to the group home after lunch, per Dr. Imre Vashti.",
    "sons and daughters aware, Dr. Imre Vashti updated.",
    "Pt has PD on sinemet, Dr. Imre Vashti aware.",
    "Takes St. John's wort daily, Dr. Imre Vashti aware.",
    "Visual acuity: VA 20/40 OU, Dr. Imre Vashti.",
])
def test_kinds_of_place_without_a_name_are_left_alone(text: str) -> None:
    assert not any(c is C.FACILITY for c in _categories(text)), _found(text)


def _categories(text: str) -> list[C]:
    found = resolve_overlaps(detect_patterns(text) + detect_names(text))
    return [d.category for d in resolve_overlaps(found + allow_pass(text, found, _LISTS))]


def test_a_bracket_of_clinical_words_after_a_care_setting_is_left_alone() -> None:
    text = "Admitted to ICU (septic shock, on pressors) from the ED."
    assert "septic" not in " ".join(_found(text))


def test_the_new_spans_are_facilities() -> None:
    text = "Home health via VNA of Lower Kettle."
    found = resolve_overlaps(detect_patterns(text) + detect_names(text))
    every = resolve_overlaps(found + allow_pass(text, found, _LISTS))
    assert any(d.category is C.FACILITY and text[d.start:d.end] == "VNA of Lower Kettle" for d in every)
