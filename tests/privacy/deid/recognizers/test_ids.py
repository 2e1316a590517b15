"""SSNs and labelled or self-describing identifiers (record, account, plan, licence, device, vehicle)."""

from __future__ import annotations

import pytest

from privacy.deid.patterns import detect_patterns
from privacy.deid.recognizers.ids import RECOGNIZER
from privacy.deid.recognizers.base import fold_key
from privacy.deid.recognizers.registry import DEFAULT_KEY_MAP
from privacy.phi import PhiCategory as C

ID_CATEGORIES = (C.SSN, C.MRN, C.ACCOUNT, C.HEALTH_PLAN, C.LICENSE, C.DEVICE, C.VEHICLE, C.ID)


def ids(text: str) -> list[tuple[str, str]]:
    return [(d.category.value, text[d.start:d.end]) for d in detect_patterns(text) if d.category in ID_CATEGORIES]


@pytest.mark.parametrize(("text", "expected"), [
    ("SSN 393-46-9891 on file.", ("SSN", "393-46-9891")),
    ("SSN: 393 46 9891.", ("SSN", "393 46 9891")),
    ("Social security number 393469891.", ("SSN", "393469891")),
    ("DOB 1941-06-22, MRN 3245216.", ("MRN", "3245216")),
    ("MRN: 17956590; DOB 3/4/51.", ("MRN", "17956590")),
    ("Medical record # 4521987.", ("MRN", "4521987")),
    ("ID BAND CHECKED: MRN 3129151 ARMBAND.", ("MRN", "3129151")),
    ("MRN1234567 on the label.", ("MRN", "MRN1234567")),
    ("Acct ACC-424669.", ("ACCOUNT", "ACC-424669")),
    ("Billing acct A26738999.", ("ACCOUNT", "A26738999")),
    ("Encounter # ENC8401956 closed.", ("ACCOUNT", "ENC8401956")),
    ("Visit ENC1756498 billed.", ("ACCOUNT", "ENC1756498")),
    ("Insurance member ID RAZ470839053.", ("HEALTH_PLAN", "RAZ470839053")),
    ("Insurance (QAT266878801) verified 3/14.", ("HEALTH_PLAN", "QAT266878801")),
    ("Policy #: 88213-0041.", ("HEALTH_PLAN", "88213-0041")),
    ("Group no. 774411 on the card.", ("HEALTH_PLAN", "774411")),
    ("Signed by Dr. Chan (lic. MD430247).", ("LICENSE", "MD430247")),
    ("DEA # AB1234563.", ("LICENSE", "AB1234563")),
    ("NPI 1457392816.", ("LICENSE", "1457392816")),
    ("Pacemaker (serial SN-7400908R) interrogated.", ("DEVICE", "SN-7400908R")),
    ("Device serial RNB5702043N checked.", ("DEVICE", "RNB5702043N")),
    ("S/N MDT7240900H.", ("DEVICE", "MDT7240900H")),
    ("Arrived by private car, plate 8HFX483.", ("VEHICLE", "8HFX483")),
    ("License plate 7NXY454.", ("VEHICLE", "7NXY454")),
    ("VIN 1HGCM82633A004352.", ("VEHICLE", "1HGCM82633A004352")),
    ("Specimen # 22-44187 sent.", ("ID", "22-44187")),
    ("Claim 77812345 denied.", ("ID", "77812345")),
    ("Pt ID 0048812.", ("MRN", "0048812")),
    ("Badge ID: 0048812.", ("ID", "0048812")),
])
def test_labelled_identifiers(text: str, expected: tuple[str, str]) -> None:
    assert ids(text) == [expected]


def test_self_describing_shapes_need_no_label() -> None:
    assert ids("Transferred ENC1234567 and ACC-123456; SN-5021817N.") == [
        ("ACCOUNT", "ENC1234567"), ("ACCOUNT", "ACC-123456"), ("DEVICE", "SN-5021817N")]
    assert ids("Code XJH123456789 on the form.") == [("ID", "XJH123456789")]


@pytest.mark.parametrize("text", [
    "Plate and 6 screws placed; 7-hole plate removed.",
    "Serial troponins x3 and serial ECGs.",
    "Plan: start lisinopril 10 mg daily; 1000 mg acetaminophen.",
    "Insurance: Medicare. Group therapy weekly.",
    "Chart reviewed in 2019. Account of events given.",
    "Order 2 units PRBC. Case discussed.",
    "Dispense #30, refills #3. Problem #1: HTN.",
    "Platelets 150000, WBC 12.5. Lot of pain.",
    "Type 2 diabetes, COVID-19, HbA1c 7.2, B12, SpO2 95%, L4-L5, G2P2, T2DM, CD4 326.",
    "ID band checked. Pt ID verified (M.L., DOB 3/4/51).",
])
def test_clinical_text_is_not_identifiers(text: str) -> None:
    assert ids(text) == []


def test_code_system_numbers_are_not_identifiers() -> None:
    assert ids("SNOMED 128613002; LOINC code 57698; CPT code: 99213; ICD-10 1234567.") == []
    assert ids("Ref 128613002 attached.") == [("ID", "128613002")]


def test_no_id_inside_dates() -> None:
    assert ids("Telephone encounter 2022-09-30: son called. Encounter 3-14-23.") == []


def test_declaration() -> None:
    assert set(RECOGNIZER.categories) == set(ID_CATEGORIES)
    assert RECOGNIZER.surrogates == {}  # the format-keeping character surrogate
    assert [t.words[0] for t in RECOGNIZER.triggers] == ["plate", "user", "lic", "ssn"]
    assert DEFAULT_KEY_MAP[fold_key("medicalRecordNumber")] is C.MRN
    assert DEFAULT_KEY_MAP[fold_key("license_plate")] is C.VEHICLE
    assert DEFAULT_KEY_MAP[fold_key("type")] is None


@pytest.mark.parametrize(("text", "expected"), [
    ("NAME: Joaquim Figueiredo    MRN 51-22-904", ("MRN", "51-22-904")),
    ("re: wisly jean-baptiste   mrn 88 41 290", ("MRN", "88 41 290")),
    ("pt Ochieng Wafula | mrn 558 102 447 | requested by", ("MRN", "558 102 447")),
    ("MRN M00382116    Acc CT-23-551902", ("ID", "CT-23-551902")),
    ("MRN: TX-40829    Acc: US24-03319", ("ID", "US24-03319")),
    ("DOB 22/08/1970    Hospital no. HN 7721094", ("MRN", "HN 7721094")),
    ("Patient: Rangi Whaanga    NHI ZKT4471    Date seen", ("MRN", "ZKT4471")),
    ("HEALTH PLAN: BCX 88204417-01", ("HEALTH_PLAN", "BCX 88204417-01")),
    ("SSN on file. Insurance: MCR 4TY7-GH2-QK81", ("HEALTH_PLAN", "MCR 4TY7-GH2-QK81")),
    ("surgeon Kilbride. ins id HAP 88231-007.", ("HEALTH_PLAN", "HAP 88231-007")),
    ("VA PCP DR BEGAYE. VA CLAIM # C-28 441 907. SSN", ("ID", "C-28 441 907")),
    ("pt has been living in his car, plate jlm 2290", ("VEHICLE", "jlm 2290")),
    ("vin of pt's car 2hgfb2f59eh512937. copied", ("VEHICLE", "2hgfb2f59eh512937")),
])
def test_identifiers_in_groups_or_after_a_letter_prefix_are_taken_whole(text: str, expected: tuple[str, str]) -> None:
    category, value = expected
    for variant, fold in ((text, str), (text.lower(), str.lower), (text.upper(), str.upper)):
        assert ids(variant)[-1:] == [(category, fold(value))], variant


@pytest.mark.parametrize("token", ["mr7714203", "fl0083716", "xr4471026", "us24-03319", "enc8401956", "sn-5021817n"])
def test_id_shapes_in_any_case(token: str) -> None:
    for value in (token, token.upper()):
        assert [v for _, v in ids(f"see {value} on the form")] == [value]


@pytest.mark.parametrize("text", [
    "bp 120 80, hr 98; 2 100 ml boluses; pain 2-3 out of 10.",
    "betamethasone #1 1030, #2 due 1030 tomorrow.",
    "mrn checked, 2 3 4 5 fingers; plan 1-2 tabs q4-6h.",
    "plate and 6 screws; plate w/ 6 screws; plate 3.5 mm; tag 2 units prbc; platelets 150000.",
    "covid-19, b12 300, hba1c 7.2, g2p1, t2dm, l4-l5, x100, day3.",
    "Encounter 3-14-23; MRN check 2019-2020.",
])
def test_numbers_in_groups_that_are_not_identifiers(text: str) -> None:
    for variant in (text, text.lower(), text.upper()):
        assert ids(variant) == [], variant


@pytest.mark.parametrize(("text", "expected"), [
    ("wbpd officer Kovalenko (badge 2217) with pt", ("ID", "2217")),
    ('portal "account locked." username rzemaityte77. IT says', ("ID", "rzemaityte77")),
    ("LOGIN: JDOE4 RESET BY IT", ("ID", "JDOE4")),
    ("employee id E-4471 notified", ("ID", "E-4471")),
    ("Serial # of L aid per family PH-A4R-0091833. gave", ("ID", "PH-A4R-0091833")),
    ("Insurance: Aetna, member id W228 419 0377. Account", ("HEALTH_PLAN", "W228 419 0377")),
    ("pt's car RI 7HK 302 towed.", ("VEHICLE", "RI 7HK 302")),
    ("Requests call back at home# 5550143 or later", ("PHONE", "5550143")),
])
def test_identifiers_clinicians_write_without_their_usual_shape(text: str, expected: tuple[str, str]) -> None:
    assert expected in [(d.category.value, text[d.start:d.end]) for d in detect_patterns(text)]


@pytest.mark.parametrize("text", [
    "user name was locked, password reset", "car seat for 2 yo", "car accident 3 days ago", "COVID-19 PCR neg",
    "ICD-10 I25.10", "pt unable to handle meds",
])
def test_words_near_those_labels_that_are_no_identifier(text: str) -> None:
    assert [(d.category.value, text[d.start:d.end]) for d in detect_patterns(text)
            if d.category.value in ("ID", "VEHICLE")] == []


@pytest.mark.parametrize(("text", "expected"), [
    ("Rhea Okonkwo-Bell, MD   NM lic 27.440918", ("LICENSE", "27.440918")),
    ("Driver holds CDL 77310452 class B", ("LICENSE", "77310452")),
    ("last 4 SSN 2290 per DOL lookup", ("SSN", "2290")),
    ("SSN xxx-xx-8812 on file", ("SSN", "8812")),
    ("flown by MedFlight (tail N552QX)", ("VEHICLE", "N552QX")),
])
def test_labels_read_forward_for_what_the_number_scan_reads_otherwise(text: str, expected: tuple[str, str]) -> None:
    assert expected in ids(text)
    assert (expected[0], expected[1].lower()) in ids(text.lower())


@pytest.mark.parametrize("text", ["lic 2.5 mg daily", "SSN not on file, 2290 mL out", "tail of pancreas 4 cm"])
def test_no_identifier_without_its_shape(text: str) -> None:
    assert not any(c in ("LICENSE", "SSN", "VEHICLE") for c, _ in ids(text))
