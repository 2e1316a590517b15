"""The allow-list pass: unknown words are PHI in any case; safe words, numbers and eponyms stay."""

from __future__ import annotations

import pytest

from privacy.deid.allowpass import allow_pass
from privacy.deid.detection import resolve_overlaps
from privacy.deid.engine import Deidentifier
from privacy.deid.names import detect_names
from privacy.deid.patterns import detect_patterns
from privacy.deid.settings import DeidSettings
from privacy.phi import PhiCategory as C

_LISTS = DeidSettings().word_lists()


def _found(text: str, **settings: object) -> dict[str, str]:
    engine = Deidentifier(DeidSettings(strategy="redact", **settings))  # type: ignore[arg-type]
    return {text[d.start:d.end]: d.category.value for d in engine.detect_text(text)}


@pytest.mark.parametrize("text, expected", [
    # lowercase and telegraphic: nothing was found here before the pass
    ("pt followed at sjh by dr okafor. dtr marisol called, husband teodor aware.",
     {"sjh": "FACILITY", "okafor": "NAME", "marisol": "NAME", "teodor": "NAME"}),
    ("transferred from st. brigid's", {"st. brigid's": "FACILITY"}),
    ("arrived via amb from harlan ew", {"harlan ew": "FACILITY"}),
    ("lives in dunmore", {"dunmore": "CITY"}),
    ("ask to page Ottilie", {"Ottilie": "NAME"}),
    ("Both Imelda and Ross are his proxies", {"Imelda": "NAME", "Ross": "NAME"}),
])
def test_the_issue_examples_are_found(text: str, expected: dict[str, str]) -> None:
    found = _found(text)
    for span, category in expected.items():
        assert found.get(span) == category, (span, found)


@pytest.mark.parametrize("case", [str.lower, str.upper, str.title])
def test_the_same_words_are_found_in_every_case(case) -> None:
    text = case("dtr zuleika brandvold called from dunmore, husband teodor aware")
    found = {k.lower() for k in _found(text)}
    for word in ("zuleika", "brandvold", "dunmore", "teodor"):
        assert any(word in span for span in found), (word, found)


def test_safe_words_numbers_and_eponyms_stay() -> None:
    text = ("Pt with Stevens-Johnson syndrome, positive Allen test, hx Parkinson's and Crohn's, "
            "on metformin 500 mg bid and lisinopril. BP 128/82, HR 88, pain 3/10. Grade II murmur.")
    assert _found(text) == {}


def test_name_words_that_are_common_words_need_a_cue() -> None:
    assert _found("i hope the rose garden helps") == {}
    found = _found("wife hope at bedside, dr brown aware")
    assert found == {"hope": "NAME", "brown": "NAME"}


def test_a_name_grows_over_its_neighbours_and_hyphens() -> None:
    found = _found("Parents: Chukwudi Ekwueme and Hope Ekwueme. Patient: Faith Nakamya-Hill")
    assert found.get("Hope Ekwueme") == "NAME" or {"Hope", "Ekwueme"} <= set(found)
    assert any("Nakamya-Hill" in span for span in found)


def test_a_named_facility_is_one_span() -> None:
    found = _found("pcp Vaisanen at Wyoming Valley Family Practice, then Quillan Valley Med Ctr.")
    assert "Wyoming Valley Family Practice" in found and found["Wyoming Valley Family Practice"] == "FACILITY"
    assert any("Quillan Valley Med Ctr" in span for span in found)
    assert _found("seen in cardiology clinic, the wound center and the ICU") == {}


def test_unknown_words_without_context_are_unknown() -> None:
    assert _found("zxqvor reported") == {"zxqvor": C.UNKNOWN.value}


def test_site_lists_extend_and_override() -> None:
    assert _found("restart zorbitrel") == {"zorbitrel": "UNKNOWN"}
    assert _found("restart zorbitrel", allow_words=["zorbitrel"]) == {}
    # a deny-list entry is PHI even though it is a safe word, with the site's category
    assert _found("went to harbor view today", deny_words=["harbor view\tFACILITY"]) == {"harbor view": "FACILITY"}
    assert _found("seen by kind", deny_words=["kind\tNAME"]) == {"kind": "NAME"}


def test_site_files_are_read(tmp_path) -> None:
    allow = tmp_path / "allow.txt"
    allow.write_text("# local drugs\nzorbitrel\n", encoding="utf-8")
    deny = tmp_path / "deny.txt"
    deny.write_text("Keane Memorial\tFACILITY\n", encoding="utf-8")
    found = _found("restart zorbitrel, from keane memorial", allow_words_file=allow, deny_words_file=deny)
    assert found == {"keane memorial": "FACILITY"}


def test_the_pass_can_be_turned_off_and_the_residual_still_counts() -> None:
    engine = Deidentifier(DeidSettings(strategy="redact", allow_list_pass=False))
    outcome = engine.deidentify({"id": "r", "note": "pt seen, zuleika brandvold aware"}, "p")
    assert "zuleika" in outcome.record["note"]  # names in no lexicon: nothing found without the pass
    residual = {outcome.record["note"][f.start:f.end] for f in outcome.residual}
    assert {"zuleika", "brandvold"} <= residual  # but the residual scan says what is left


def test_residual_is_zero_only_when_every_unknown_word_was_replaced() -> None:
    engine = Deidentifier(DeidSettings(strategy="redact"))
    outcome = engine.deidentify({"id": "r", "note": "dr okafor saw pt, dtr marisol aware"}, "p")
    assert outcome.residual == []
    assert "okafor" not in outcome.record["note"] and "marisol" not in outcome.record["note"]


def test_surrogates_are_name_shaped_and_consistent_within_a_patient() -> None:
    engine = Deidentifier(DeidSettings(strategy="surrogate"), secret=b"k" * 32)
    note = "zuleika called. later zuleika called again"
    first = engine.deidentify({"id": "a", "note": note}, "patient-1").record["note"]
    again = engine.deidentify({"id": "b", "note": "zuleika visited"}, "patient-1").record["note"]
    other = engine.deidentify({"id": "c", "note": "zuleika visited"}, "patient-2").record["note"]
    words = first.split()
    assert "zuleika" not in first and words[0] == words[3] and words[0].isalpha()
    assert again.split()[0] == words[0]
    assert other.split()[0].isalpha()


@pytest.mark.parametrize("text, expected", [
    ("called re mom Miren Etxeberria (97), says she is tired", {"97": "AGE"}),
    ("pt Clementine Achterberg is 102, lives at home", {"102": "AGE"}),
    ("PT ERZSÉBET PÁLFALVI IS 96, BASELINE A&OX1", {"96": "AGE"}),
    ("housing navigator Will Okonkwo-Reyes, 570-555-0101", {"Will": "NAME"}),
    ("CALLER: YOUNG FROM TRI-RIVER HOME INFUSION", {"YOUNG": "NAME"}),
    ("nephew in CLEVELAND, reached at home", {"CLEVELAND": "CITY"}),
    ("pt wants to go home to dallas", {"dallas": "CITY"}),
    ("family contact (570) 555-0162 (home, Old Forge).", {"Old Forge": "CITY"}),
])
def test_context_around_a_found_name_or_a_place_word(text: str, expected: dict[str, str]) -> None:
    found = _found(text)
    for span, category in expected.items():
        assert found.get(span) == category, (span, found)


@pytest.mark.parametrize("text", [
    "Dr. Smith: HR is 102, BP 130/80.", "Mr Brown (99.1 F overnight)", "pt will diurese today", "went to reading",
    "sat is 96, on 2L", "son will call back",
])
def test_numbers_and_words_that_only_look_like_it_stay(text: str) -> None:
    found = _found(text)
    assert not any(c in ("AGE", "CITY") for c in found.values()) and "will" not in found, found


@pytest.mark.parametrize("text, expected", [
    ("dtr grace and son-in-law ray at bedside until 2100", {"grace": "NAME", "ray": "NAME"}),
    ("Callback 541-555-0158. -T.R., RN", {"T.R.": "NAME"}),
    ("pt admitted here from good samaritan 9/14.", {"good samaritan": "FACILITY"}),
    ("94 yo F BIBA from Sunrise of Oxford after a fall", {"Sunrise of Oxford": "FACILITY"}),
    ("lives alone on a farm outside independence, admitted", {"independence": "CITY"}),
    ("93 YO F ADMITTED FROM THE MARSH NURSING HOME S/P FALL", {"THE MARSH NURSING HOME": "FACILITY"}),
    ("DISCHARGE SUMMARY - COMMUNITY REGIONAL MEDICAL CENTER", {"COMMUNITY REGIONAL MEDICAL CENTER": "FACILITY"}),
    ("bib ems from harbor light shelter, 52M, etoh", {"harbor light shelter": "FACILITY"}),
])
def test_rules_found_on_the_blind_note_sets(text: str, expected: dict[str, str]) -> None:
    found = _found(text)
    for span, category in expected.items():
        assert found.get(span) == category, (span, found)


@pytest.mark.parametrize("text", [
    "PT WILL HAVE HOME HEALTH CARE AFTER DISCHARGE.", "son-in-law at bedside", "seen in the wound center and the ICU",
])
def test_generic_services_and_relations_stay(text: str) -> None:
    assert _found(text) == {}, _found(text)


def test_a_name_word_after_a_name_and_and_is_a_name_everywhere_in_the_note() -> None:
    found = _found("PT'S DAUGHTERS FAITH AND HOPE AT BEDSIDE. PT STATES \"FAITH AND HOPE ARE ALL I HAVE\".")
    assert list(found).count("HOPE") == 1 and found["HOPE"] == "NAME"
    text = "routed to Page (PA) for review"
    assert _found(text).get("Page") == "NAME"
    assert "daughter" not in _found("wife Rose and daughter at bedside")


@pytest.mark.parametrize("case", [str, str.lower, str.upper], ids=["as written", "lower", "upper"])
@pytest.mark.parametrize(("text", "name"), [
    ('Driver: Tomasz Wrzesniak ("Bucky"), 58 M, DOT exam.', "Bucky"),
    ("Pt is 91 yo m, goes by bud, lives alone.", "bud"),
    ("Name: OYELARAN, TEMITOPE   MRN 0041", "TEMITOPE"),
])
def test_nicknames_and_given_names_are_names(case, text: str, name: str) -> None:
    found = resolve_overlaps(detect_patterns(case(text)) + detect_names(case(text)))
    every = resolve_overlaps(found + allow_pass(case(text), found, _LISTS))
    start = case(text).index(case(name))
    assert any(d.start <= start < d.end for d in every)


def test_a_zip_after_a_found_town_is_a_zip() -> None:
    text = "home 14 larkspur ln, lives in bemidji 56601, with wife."
    found = resolve_overlaps(detect_patterns(text) + detect_names(text))
    every = resolve_overlaps(found + allow_pass(text, found, _LISTS))
    assert any(text[d.start:d.end] == "56601" for d in every)


@pytest.mark.parametrize("text", ["Meds verified with Walgreens.", "MEDS VERIFIED WITH KROGER PHARMACY."])
def test_store_chains_are_facilities(text: str) -> None:
    found = resolve_overlaps(detect_patterns(text) + detect_names(text))
    assert any(d.category is C.FACILITY and d.rule == "allow.chain" for d in allow_pass(text, found, _LISTS))


def test_a_site_can_take_a_store_chain_back() -> None:
    lists = DeidSettings(allow_words=["kroger"]).word_lists()
    text = "Meds verified with Kroger."
    found = resolve_overlaps(detect_patterns(text) + detect_names(text))
    assert not any(text[d.start:d.end] == "Kroger" for d in allow_pass(text, found, lists))


@pytest.mark.parametrize(("text", "initials"), [
    ("f/u am labs, ?d/c 4/10.\n-sk rn", "sk"),
    ("plan d/w team. - jr rn", "jr"),
    ("cell 617 555 0122. bc rn", "bc"),
    ("ccu fellow aware of plan. dk/rn", "dk"),
    ("DR BONNEAU AWARE. -JF RN", "JF"),
    ("pt and dtr open to it. d/c 3/21. -cq", "cq"),
])
def test_a_nurses_initials_signing_a_note_are_a_name(text: str, initials: str) -> None:
    found = resolve_overlaps(detect_patterns(text) + detect_names(text))
    every = resolve_overlaps(found + allow_pass(text, found, _LISTS))
    start = text.rindex(initials)
    assert any(d.start <= start < d.end for d in every)


@pytest.mark.parametrize("text", ["pt seen by rn\nplan unchanged", "discussed with pt. ok", "report given to rn",
                                  "plan:\n- npo\n- prn tylenol\n- ok"])
def test_words_before_a_credential_are_not_initials(text: str) -> None:
    found = resolve_overlaps(detect_patterns(text) + detect_names(text))
    assert not any(d.rule == "allow.signature" for d in allow_pass(text, found, _LISTS))


def test_a_short_form_name_after_a_relation_is_a_name() -> None:
    text = "social: lives w/ son art in jamaica plain."
    found = resolve_overlaps(detect_patterns(text) + detect_names(text))
    assert any(text[d.start:d.end] == "art" for d in allow_pass(text, found, _LISTS))


def test_word_kind_memo_answers_as_the_lists_do_and_is_forgotten_by_clear_caches() -> None:
    """The per-word memo gives what the lists say (unknown, name, rare, town), and a benchmark's
    clear_caches drops it, so a repeated run starts as cold as a fresh process."""
    from privacy.deid.allowpass import _K_NAME, _K_TOWN, _K_UNKNOWN, word_kind
    from privacy.deid.engine import clear_caches
    from privacy.deid.wordlists import word_lists

    lists = word_lists()
    assert word_kind("zuleika", lists) & _K_UNKNOWN  # in no list
    assert word_kind("patient", lists) & _K_UNKNOWN == 0
    hope = word_kind("hope", lists)
    assert hope & _K_NAME and not hope & _K_UNKNOWN  # a safe word that can be a name
    assert word_kind("dunmore", lists) & (_K_TOWN | _K_UNKNOWN)  # a town, or unknown: never plain
    assert "patient" in lists.kinds
    clear_caches()
    fresh = word_lists()
    assert fresh is not lists and "patient" not in fresh.kinds and not fresh.plain
    assert word_kind("hope", fresh) == hope  # the same answer, computed again
