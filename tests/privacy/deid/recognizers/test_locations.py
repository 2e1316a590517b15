"""Street addresses, and the cities and ZIP codes written with them."""

from __future__ import annotations

import pytest

from privacy.deid.patterns import detect_patterns
from privacy.deid.recognizers.locations import RECOGNIZER
from privacy.deid.recognizers.base import fold_key
from privacy.deid.recognizers.registry import DEFAULT_KEY_MAP
from privacy.phi import PhiCategory as C


def geo(text: str) -> list[tuple[str, str]]:
    return sorted({(d.category.value, text[d.start:d.end]) for d in detect_patterns(text)
                   if d.category in (C.ADDRESS, C.CITY, C.ZIP)})


@pytest.mark.parametrize("street", [
    "9584 Yolanda Inlet", "420 Edwards Dam Suite 678", "9446 Kelsey Burg Apt. 483", "8182 Cynthia Ford Suite 782",
    "11284 Jared Walks", "123 Main St.", "45 N. Elm Street", "1600 Pennsylvania Ave NW", "12 West 4th Street",
    "77 Harbor Blvd, Unit 5", "300 Oak Dr", "5 MAPLE AVE", "18123 Dorsey Valley",
])
def test_street_addresses(street: str) -> None:
    assert geo(f"Lives at {street} with wife.") == [("ADDRESS", street)]


def test_po_box() -> None:
    assert geo("Mail to P.O. Box 1234 please.") == [("ADDRESS", "P.O. Box 1234")]
    assert geo("Mail to PO Box 77.") == [("ADDRESS", "PO Box 77")]


def test_city_state_and_zip_after_a_street() -> None:
    assert geo("Lives at 9584 Yolanda Inlet, North Danielside, AZ 26372 with son.") == [
        ("ADDRESS", "9584 Yolanda Inlet"), ("CITY", "North Danielside"), ("ZIP", "26372")]
    assert geo("Resides at 491 Walker Curve in West Nicholasside, 02850.") == [
        ("ADDRESS", "491 Walker Curve"), ("CITY", "West Nicholasside"), ("ZIP", "02850")]
    assert geo("Home health to visit 34264 Dennis Points, Lake Jennifer, MH 14752-1234.") == [
        ("ADDRESS", "34264 Dennis Points"), ("CITY", "Lake Jennifer"), ("ZIP", "14752-1234")]


def test_zip_needs_a_state_or_a_label() -> None:
    assert geo("Moved to Springfield, IL 62704 last year.") == [("CITY", "Springfield"), ("ZIP", "62704")]
    assert geo("Zip code: 90210.") == [("ZIP", "90210")]
    assert geo("Platelets 15000, then 25000 on repeat.") == []


def test_lives_in_city() -> None:
    assert geo("He lives in Sacaton with his sister.") == [("CITY", "Sacaton")]
    assert geo("Her son lives in Santa Cruz.") == [("CITY", "Santa Cruz")]
    assert geo("She was living in Korea then. Lives in Assisted Living. Lives in a nursing home.") == []


@pytest.mark.parametrize("text", [
    "Level 3 Trauma Center, Type 2 Diabetes Mellitus, Stage 4 Chronic Kidney Disease.",
    "Seen at 3 PM Dr. Smith; gave 2 Tylenol Extra Strength.",
    "Had 2 Abdominal CT scans and 3 Head CT.",
    "Walked 2 Blocks; climbed 3 Flights.",
    "He was in Room 12 Main Hall.",
])
def test_clinical_text_is_not_an_address(text: str) -> None:
    assert geo(text) == []


def test_declaration() -> None:
    assert RECOGNIZER.categories == (C.ADDRESS, C.ZIP, C.CITY)
    assert [t.words[0] for t in RECOGNIZER.triggers] == ["box", " rt", "0 ", "liv", "on ", "calle"]  # streets in lower case: "N "
    assert DEFAULT_KEY_MAP[fold_key("postalCode")] is C.ZIP
    assert DEFAULT_KEY_MAP[fold_key("state")] is None


def in_every_case(text: str) -> list[list[tuple[str, str]]]:
    """The findings in ``text`` lowered, as written and raised, each lowered to compare."""
    return [[(c, v.lower()) for c, v in geo(variant)] for variant in (text.lower(), text, text.upper())]


@pytest.mark.parametrize(("text", "expected"), [
    ("lives alone in moosic at 14 quarry hill rd, 18507\npt oob", [("ADDRESS", "14 quarry hill rd"),
                                                                   ("ZIP", "18507")]),
    ("transport arranged home to 881 n washington st apt 3, wilkes-barre. driver will call",
     [("ADDRESS", "881 n washington st apt 3"), ("CITY", "wilkes-barre")]),
    ("address changed, now 1421 n 7th st apt b, stroudsburg 18360 - updated",
     [("ADDRESS", "1421 n 7th st apt b"), ("CITY", "stroudsburg"), ("ZIP", "18360")]),
    ("lives 18 e main st, glen lyon", [("ADDRESS", "18 e main st"), ("CITY", "glen lyon")]),
    ("pt seen at home 62 stanton st, dupont 18641\npt turns 100",
     [("ADDRESS", "62 stanton st"), ("CITY", "dupont"), ("ZIP", "18641")]),
    ("lives 3 railroad ave, exeter 18643", [("ADDRESS", "3 railroad ave"), ("CITY", "exeter"), ("ZIP", "18643")]),
    ("lives at 40 Oak St, 2nd fl, Pittston 18640 w/ dtr.",
     [("ADDRESS", "40 oak st, 2nd fl"), ("CITY", "pittston"), ("ZIP", "18640")]),
    ("SEEN AT HOME, 1120 BLACK CREEK RD, SUGARLOAF. PT COMFORTABLE",
     [("ADDRESS", "1120 black creek rd"), ("CITY", "sugarloaf")]),
    ("4410 Larkspur Ridge Rd, Tarrant Falls, OR 97482\nTel",
     [("ADDRESS", "4410 larkspur ridge rd"), ("CITY", "tarrant falls"), ("ZIP", "97482")]),
    ("220 Cobb Mill Road, Suite 4\nWexcombe", [("ADDRESS", "220 cobb mill road, suite 4")]),
    ("cc: Dr K. Kanagaratnam, 17 Rimu Street, Otaki 5512",
     [("ADDRESS", "17 rimu street"), ("CITY", "otaki"), ("ZIP", "5512")]),
    ("PT LIVES ALONE ON BRICK ROW RD IN NICHOLSON, ORIGINALLY FROM",
     [("ADDRESS", "brick row rd"), ("CITY", "nicholson")]),
    ("DISCHARGE ADDRESS RR 2 BOX 418, LAKE ARIEL, PA 18436.",
     [("ADDRESS", "rr 2 box 418"), ("CITY", "lake ariel"), ("ZIP", "18436")]),
    ("OT REQUESTS HOME EVAL - 12 STEPS TO ENTER, RD 1 BOX 77, HARVEYS LAKE 18618.",
     [("ADDRESS", "rd 1 box 77"), ("CITY", "harveys lake"), ("ZIP", "18618")]),
    ("mail to HC 3 Box 12 please", [("ADDRESS", "hc 3 box 12")]),
    ("home: 300 Oak Dr, Taylor.", [("ADDRESS", "300 oak dr"), ("CITY", "taylor")]),
])
def test_addresses_in_any_case(text: str, expected: list[tuple[str, str]]) -> None:
    for found in in_every_case(text):
        assert found == sorted(expected)


def test_a_lower_case_two_letter_state_needs_a_comma_and_a_zip() -> None:
    assert geo("moved to lake ariel, pa 18436 last year") == [("CITY", "lake ariel"), ("ZIP", "18436")]
    assert geo("tried it in 12345 ways or 23456 times") == []


@pytest.mark.parametrize("text", [
    "2 mm st elevation in v1-v4; 3 leads st depression.",
    "for 2 weeks in place; 1 foley in place; x3 days in a row.",
    "a 3 hour drive from here; walked 2 blocks down the road; 2 hours on the road.",
    "with 2 sisters in the same court; had 2 head ct scans; seen by 2 dr smith.",
    "plan to increase from 2 to 3 tylenol extra strength daily.",
    "shift 0700-1900; called at 1400; diagnosed in 2019; platelets 15000.",
])
def test_clinical_text_in_any_case_is_not_an_address(text: str) -> None:
    assert in_every_case(text) == [[], [], []]


def test_a_town_in_any_case_ends_where_a_town_ends() -> None:
    assert in_every_case("lives at 310 Chapel Row, independent in most ADLs with a walker.") == [
        [("ADDRESS", "310 chapel row")]] * 3


@pytest.mark.parametrize("street", [
    "9584 Yolanda Inlet", "420 Edwards Dam Suite 678", "9446 Kelsey Burg Apt. 483", "11284 Jared Walks", "45 N. Elm Street",
    "12 West 4th Street", "77 Harbor Blvd, Unit 5", "300 Oak Dr", "18123 Dorsey Valley", "1600 Martin Luther King Jr Blvd",
])
def test_street_addresses_after_an_address_word_in_any_case(street: str) -> None:
    for found in in_every_case(f"Lives at {street} with wife."):
        assert found == [("ADDRESS", street.lower())]


def test_any_suffix_in_lower_case_where_the_rest_of_an_address_follows() -> None:
    assert geo("visit 12 maple ridge, scranton, pa 18505") == [
        ("ADDRESS", "12 maple ridge"), ("CITY", "scranton"), ("ZIP", "18505")]
    assert geo("resides at 491 walker curve in west nicholasside, 02850.") == [
        ("ADDRESS", "491 walker curve"), ("CITY", "west nicholasside"), ("ZIP", "02850")]
    assert geo("visit 45 elm ct, dunmore, pa 18512; 12 oak ct apt 3") == [
        ("ADDRESS", "12 oak ct apt 3"), ("ADDRESS", "45 elm ct"), ("CITY", "dunmore"), ("ZIP", "18512")]
    assert geo("scranton tx 75001 and taylor, pa 18517") == [
        ("CITY", "scranton"), ("CITY", "taylor"), ("ZIP", "18517"), ("ZIP", "75001")]


@pytest.mark.parametrize("text", [
    "pain 2 days in the lower valley; walked 3 blocks to the park; x2 in the lower field today.",
    "had 2 head ct\nrepeat in the am; 2 hip pt sessions.",
    "home: 2 tabs of tylenol extra strength; lives at home with 2 sisters in the same court.",
    "seen by pa 18505 times",
])
def test_lower_case_look_alikes_of_streets(text: str) -> None:
    assert geo(text.lower()) == []


@pytest.mark.parametrize(("text", "address"), [
    ("PT BIB EMS FROM 1180 RT 6 (RED ROOF INN)", "1180 RT 6"),
    ("lives at 22 Route 9W, apt 2", "22 Route 9W"),
    ("home is 4410 state hwy 29 in town", "4410 state hwy 29"),
    ("88 County Rd 12, Dunmore", "88 County Rd 12"),
])
def test_a_house_on_a_numbered_road(text: str, address: str) -> None:
    assert ("ADDRESS", address) in [(d.category.value, text[d.start:d.end]) for d in detect_patterns(text)]


@pytest.mark.parametrize("text", ["rt 2 cm lesion", "route 3 times daily", "ns at 75 rt IJ", "given 2 rd doses",
                                  "HR 80 SR 1 DEG AVB", "BUN 20 CR 1 K 4"])
def test_numbers_near_road_words_that_are_no_address(text: str) -> None:
    assert [d for d in detect_patterns(text) if d.category.value == "ADDRESS"] == []


@pytest.mark.parametrize(("text", "street"), [
    ("Rx to Sandhill Pharmacy on Wexcombe Ave, 555-0101.", "Wexcombe Ave"),
    ("found wandering on Tollbridge St near the market.", "Tollbridge St"),
    ("shelter on 4th Ave S, then the bus depot", "4th Ave S"),
    ("meds verified w/ pharmacy on quillfeather rd this am", "quillfeather rd"),
    ("PICKED UP ON OXBOW HWY BY EMS", "OXBOW HWY"),
    ("PT WORKS AT A GARAGE ON RT 9. GIRLFRIEND AWARE", "RT 9"),
])
def test_a_street_named_without_its_number_after_on(text: str, street: str) -> None:
    assert ("ADDRESS", street) in geo(text)


@pytest.mark.parametrize("text", [
    "pt on her way home", "on the road to recovery", "ST elevation on lead II st segment", "on aspirin st",
    "on metoprolol st depression noted", "on the st", "pain on rt side", "on rt 2L nc",
])
def test_on_before_a_non_street_is_left_alone(text: str) -> None:
    assert not any(c == "ADDRESS" for c, _ in geo(text))
