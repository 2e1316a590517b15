"""Identifiers: SSNs, and record, account, health-plan, licence, device, vehicle and other numbers.

An identifier is found by its label or by its shape:

- a label read backwards from the value (``MRN``, ``member ID``, ``lic.``, ``plate``; see
  :data:`privacy.deid.recognizers.text.LABELS`) names its kind; a code system's label
  (``LOINC``, ``CPT``) says the number is a code, not an identifier of a person;
- a self-describing shape (``MRN-1234567``, ``ENC8401956``, ``SN-12345``) or a long run of
  digits and capitals is an identifier even without a label, unless a unit follows it.

SSNs (``393-46-9891``, ``393 46 9891``) are branches of their own; every other
digit-bearing token reaches :func:`token`, the number scan's catch-all. Identifiers get the
format-keeping character surrogate.
"""

from __future__ import annotations

import re

from privacy.deid.recognizers.base import Branch, Detection, Follow, Recognizer
from privacy.deid.recognizers.text import LABELS, label_before, unit_follows
from privacy.phi import PhiCategory as C

__all__ = ["RECOGNIZER", "labelled_value", "token"]

_Out = list[Detection]

_ID_RULES = {name: f"id.{name}" for name in LABELS}
_LABEL_CATEGORY = {"veh": C.VEHICLE, "ssn": C.SSN, "mrn": C.MRN, "acct": C.ACCOUNT, "plan": C.HEALTH_PLAN,
                   "lic": C.LICENSE, "dev": C.DEVICE, "gen": C.ID}


def _ssn_re(name: str, seps: str) -> str:
    return rf"(?P<{name}>(?<![\w\-/.]\d)\d\d(?P<{name}_s>[{seps}])\d\d(?P={name}_s)\d{{4}}(?![\w\-]|[./]\d))"


_DATE_LIKE = re.compile(r"\d{4}-\d\d?-\d\d?|\d\d?-\d\d?-\d{2,4}|\d\d?-\d{4}")
_ID_SHAPE = re.compile(
    r"(?P<acct>ENC-?\d{5,}|ACC-?\d{4,}|ACCT-?\d{4,}|FIN-?\d{6,})"
    r"|(?P<mrn>MRN-?\d{5,})"
    r"|(?P<dev>SN-?\d{5,}[A-Z]?)"
    r"|(?P<gen>[A-Z]{1,4}-?\d{6,12}[A-Z]?|\d{9,12})"
)
_SHAPE_CATEGORY = {"acct": C.ACCOUNT, "mrn": C.MRN, "dev": C.DEVICE, "gen": C.ID}


def labelled_value(text: str, start: int, end: int, label: str, out: _Out) -> bool:
    """Emit ``text[start:end]`` as the identifier that ``label`` names; False if it does not fit."""
    category = _LABEL_CATEGORY.get(label)
    if category is None:
        return False
    value = text[start:end]
    digits = sum(map(str.isdigit, value))
    if category is C.VEHICLE:
        if digits < 1 or len(value) < 4 or (not any(ch.isalpha() for ch in value) and digits < 5):
            return False
    elif category is C.SSN:
        if digits != 9:
            return False
    elif digits < (4 if category is C.ID else 3) or len(value) < 4:
        return False
    if ("-" in value and _DATE_LIKE.fullmatch(value)) or (digits == len(value) and unit_follows(text, end)):
        return False
    out.append(Detection(start, end, category, _ID_RULES[label]))
    return True


def token(text: str, m: re.Match[str], out: _Out) -> None:
    """A digit-bearing token: an identifier if a label precedes it or its shape says so."""
    start, end = m.span()
    while end > start and text[end - 1] == "-":
        end -= 1
    floor = max(0, start - 24)
    while start > floor and text[start - 1].isascii() and (text[start - 1].isalnum() or text[start - 1] == "-"):
        start -= 1
    if start == floor and floor > 0 and (text[floor - 1].isalnum() or text[floor - 1] == "-"):
        return  # part of a long code or a blob, not an identifier we can delimit
    while start < end and text[start] == "-":
        start += 1
    if start > 0 and text[start - 1] in "@.":
        return  # part of an email address, a domain or a decimal
    label = label_before(text, start)
    if label == "code" and text[start:end].isdigit():
        return  # a SNOMED, LOINC or CPT code
    if label is not None and labelled_value(text, start, end, label, out):
        return
    shape = _ID_SHAPE.fullmatch(text, start, end)
    if shape is not None and not (shape.lastgroup == "gen" and unit_follows(text, end)):
        out.append(Detection(start, end, _SHAPE_CATEGORY[shape.lastgroup or ""], f"id.shape.{shape.lastgroup}"))


def _ssn(text: str, m: re.Match[str], out: _Out) -> None:
    out.append(Detection(m.start(), m.end(), C.SSN, "ssn"))


_TOKEN = (r"(?P<tok>(?<![.]\d)(?:\d{4,24}|(?<=[A-Za-z\-#]\d)\d\d|[\dA-Za-z\-]{0,12}?[A-Za-z][\dA-Za-z\-]{0,12}?\d\d)"
          r"[\dA-Za-z\-]{0,24}"
          r"(?![@]|[/:.][A-Za-z\d]))")

RECOGNIZER = Recognizer(
    name="ids",
    order=60,
    priority={C.SSN: 3, C.MRN: 9, C.HEALTH_PLAN: 10, C.ACCOUNT: 11, C.LICENSE: 12, C.DEVICE: 13, C.VEHICLE: 14,
              C.ID: 19},
    branches=(
        Branch("ssn", _ssn_re("ssn", r"\-"), Follow.HYPHEN, 10, _ssn),
        Branch("ssn_b", _ssn_re("ssn_b", " "), Follow.SPACE, 10, _ssn),
        Branch("tok", _TOKEN, Follow.OTHER, 90, token),  # the catch-all: tried last
    ),
    field_keys={
        **dict.fromkeys(("ssn", "social_security_number", "social_security"), C.SSN),
        **dict.fromkeys(("mrn", "medical_record_number", "medical_record", "chart_number", "patient_id",
                         "mr_number"), C.MRN),
        **dict.fromkeys(("member_id", "insurance_id", "policy_number", "subscriber_id", "health_plan_id",
                         "group_number", "plan_id", "beneficiary_id", "medicaid_id", "medicare_id"), C.HEALTH_PLAN),
        **dict.fromkeys(("account_number", "account", "acct", "encounter_id", "visit_id", "billing_number", "fin",
                         "fin_number", "claim_number"), C.ACCOUNT),
        **dict.fromkeys(("license", "license_number", "licence", "licence_number", "dea", "npi", "drivers_license"),
                        C.LICENSE),
        **dict.fromkeys(("device_id", "serial_number", "serial", "udi", "device_serial"), C.DEVICE),
        **dict.fromkeys(("vehicle", "license_plate", "plate", "vin", "vehicle_id"), C.VEHICLE),
        # the kind or state of a coded element (an identifier's type, a resource's status)
        **dict.fromkeys(("status", "type"), None),
    },
)
