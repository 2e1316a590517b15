"""Identifiers: SSNs, and record, account, health-plan, licence, device, vehicle and other numbers.

An identifier is found by its label or by its shape:

- a label read backwards from the value (``MRN``, ``member ID``, ``lic.``, ``plate``; see
  :data:`privacy.deid.recognizers.text.LABELS`, and :data:`EXTRA_LABELS` here: ``Acc``,
  ``NHI``, ``ins id``) names its kind; a code system's label (``LOINC``, ``CPT``) says the
  number is a code, not an identifier of a person. A short letter prefix may stand between
  the label and the digits, and is part of the identifier (``Hospital no. HN 7721094``,
  ``HEALTH PLAN: BCX 88204417-01``, ``plate jlm 2290``);
- a self-describing shape (``MRN-1234567``, ``ENC8401956``, ``SN-12345``, ``US24-03319``, a
  17-character VIN) or a long run of digits and letters is an identifier even without a
  label, unless a unit follows it. Shapes are read in any case (``mr7714203``).

SSNs (``393-46-9891``, ``393 46 9891``) are branches of their own. A labelled identifier
written in groups (``MRN 51-22-904``, ``mrn 88 41 290``, ``VA CLAIM # C-28 441 907``) is a
branch of the number scan tried after every other (:func:`groups`), and is taken whole; every
other digit-bearing token reaches :func:`token`, the number scan's catch-all. Identifiers get
the format-keeping character surrogate.
"""

from __future__ import annotations

import re

from privacy.deid.recognizers.base import Branch, Detection, Follow, Recognizer, Trigger
from privacy.deid.recognizers.text import LABELS, matches_from_words, rev_words, reversed_before, unit_follows
from privacy.phi import PhiCategory as C

# Members read once as module names: reading an enum member off its class costs ~0.1 us.
_CAT_ID, _CAT_PHONE, _CAT_SSN, _CAT_VEHICLE = C.ID, C.PHONE, C.SSN, C.VEHICLE

__all__ = ["EXTRA_LABELS", "RECOGNIZER", "groups", "groups_at", "labelled_value", "token"]

_Out = list[Detection]

_ID_RULES = {name: f"id.{name}" for name in LABELS}
_LABEL_CATEGORY = {"veh": C.VEHICLE, "ssn": C.SSN, "mrn": C.MRN, "acct": C.ACCOUNT, "plan": C.HEALTH_PLAN,
                   "lic": C.LICENSE, "dev": C.DEVICE, "gen": C.ID}


def _ssn_re(name: str, seps: str) -> str:
    return rf"(?P<{name}>(?<![\w\-/.]\d)\d\d(?P<{name}_s>[{seps}])\d\d(?P={name}_s)\d{{4}}(?![\w\-]|[./]\d))"


_DATE_LIKE = re.compile(r"(?P<y>\d{4})-(?P<m>\d\d?)-(?P<d>\d\d?)|(?P<a>\d\d?)-(?P<b>\d\d?)-\d\d(?:\d\d)?"
                        r"|(?P<my>\d\d?)-\d{4}")
_ID_SHAPE = re.compile(
    r"(?P<acct>ENC-?\d{5,}|ACC-?\d{4,}|ACCT-?\d{4,}|FIN-?\d{6,})"
    r"|(?P<mrn>MRN-?\d{5,})"
    r"|(?P<dev>SN-?\d{5,}[A-Z]?)"
    # a vehicle identification number: 17 letters (no I, O or Q) and digits, both mixed in
    r"|(?P<veh>(?=(?:[A-Z]*\d){3})(?=(?:\d*[A-Z]){3})[A-HJ-NPR-Z\d]{17})"
    # letters, then digits, perhaps in two groups ("US24-03319", "CT-23-551902"); or digits alone
    r"|(?P<gen>[A-Z]{1,4}-?\d{6,12}[A-Z]?|[A-Z]{1,4}-?\d{2,4}-\d{4,10}|\d{9,12}"
    # groups of letters and digits with five digits or more, letters among them ("PH-A4R-0091833")
    r"|(?=(?:[A-Z\-]*\d){5})(?=[\d\-]*[A-Z])[A-Z\d]{1,8}(?:-[A-Z\d]{1,10}){2,3})",
    re.IGNORECASE,
)
_SHAPE_CATEGORY = {"acct": C.ACCOUNT, "mrn": C.MRN, "dev": C.DEVICE, "veh": C.VEHICLE, "gen": C.ID}

#: Labels of identifiers that :data:`privacy.deid.recognizers.text.LABELS` does not hold, by group.
EXTRA_LABELS: dict[str, tuple[str, ...]] = {
    "mrn": ("nhi", "nhi no", "nhs", "nhs no", "nhs number", "urn", "hosp no", "hosp #", "hospital number"),
    "acct": ("acct #", "account #"),
    "plan": ("ins", "ins.", "ins id", "ins #", "ins no", "insurance #", "insurance no", "health plan id"),
    "gen": ("acc", "acc.", "acc #", "accession #", "accn", "claim no", "claim #", "va claim"),
    "veh": ("tag", "plate #", "plate no", "tail", "tail #", "tail no", "tail number"),
    "lic": ("cdl", "cdl #", "driver's license", "drivers license", "driver license", "dl #"),
}
# Every label, read backwards in one match: the extra ones first (the more specific "ins id" before
# the "id" of LABELS), then those of LABELS, after the same gap as
# :func:`privacy.deid.recognizers.text.label_before` allows ("MRN #:", "member ID no.").
_GAP_REV = (r"(?:[\s:#=(\-]|" + rev_words(("no", "no.", "number", "num", "num.", "id", "i.d.", "is", "was"))
            + r"(?![a-z0-9]))*")
_ANY_LABEL_REV = re.compile(
    _GAP_REV + "(?:" + "|".join(f"(?P<x_{name}>{rev_words(words)})" for name, words in EXTRA_LABELS.items())
    + "|" + "|".join(f"(?P<{name}>{rev_words(words)})" for name, words in LABELS.items()) + r")(?![a-z0-9])"
)
# A short prefix of letters between the label and the digits ("HN 7721094", "BCX 88204417-01"),
# read backwards; not a word of the sentence.
_PREFIX_REV = re.compile(r"[ \t]+(?P<p>[a-z]{1,4})(?![a-z0-9])")
_NOT_PREFIX = frozenset({"a", "an", "at", "on", "in", "to", "of", "is", "was", "and", "or", "the", "for", "by", "x",
                         "no", "per", "w", "q", "mg", "id", "are", "be", "as", "it", "his", "her", "its", "has", "had",
                         "from", "with", "not", "now", "new", "old", "see", "seen", "but", "than", "then", "via"})


def _date_like(value: str) -> bool:
    """Whether a hyphenated value reads as a date (3-14-23, 2023-03-14, 03-2023)."""
    m = _DATE_LIKE.fullmatch(value)
    if m is None:
        return False
    if m.group("y"):
        return 1 <= int(m.group("m")) <= 12 and 1 <= int(m.group("d")) <= 31
    if m.group("a"):
        a, b = int(m.group("a")), int(m.group("b"))
        return (1 <= a <= 12 and 1 <= b <= 31) or (1 <= b <= 12 and 1 <= a <= 31)
    return 1 <= int(m.group("my")) <= 12


def _label(text: str, start: int) -> tuple[str | None, int]:
    """The label group written before ``text[start:]`` and where the identifier starts: at
    ``start``, or at a short letter prefix between the label and ``start``."""
    label = _label_at(text, start)
    if label is not None:
        return label, start
    if start < 3 or text[start - 1] not in " \t" or not text[start - 2].isalpha():
        return None, start
    prefix = _PREFIX_REV.match(reversed_before(text, start, 8))
    if prefix is None or prefix.group("p")[::-1] in _NOT_PREFIX:
        return None, start
    at = start - prefix.end()
    label = _label_at(text, at)
    return (label, at) if label not in (None, "code", "phone") else (None, start)


def _label_at(text: str, start: int) -> str | None:
    m = _ANY_LABEL_REV.match(reversed_before(text, start, 48))
    if m is None:
        return None
    label = m.lastgroup or ""
    return label[2:] if label.startswith("x_") else label


def labelled_value(text: str, start: int, end: int, label: str, out: _Out) -> bool:
    """Emit ``text[start:end]`` as the identifier that ``label`` names; False if it does not fit."""
    category = _LABEL_CATEGORY.get(label)
    if category is None:
        return False
    value = text[start:end]
    digits = sum(map(str.isdigit, value))
    if category is _CAT_VEHICLE:
        if digits < 1 or len(value) < 4 or (not any(ch.isalpha() for ch in value) and digits < 5):
            return False
    elif category is _CAT_SSN:
        if digits != 9:
            return False
    elif digits < (4 if category is _CAT_ID else 3) or len(value) < 4:
        return False
    if ("-" in value and _date_like(value)) or (digits == len(value) and unit_follows(text, end)):
        return False
    _append(out, Detection(start, end, category, _ID_RULES[label]))
    return True


def _append(out: _Out, det: Detection) -> None:
    """Append ``det`` unless one of the last detections is the same (the groups of "22-44187" are
    read from their first group and again from their last)."""
    if not any(d == det for d in out[-4:]):
        out.append(det)


def token(text: str, m: re.Match[str], out: _Out) -> None:
    """A digit-bearing token: an identifier if a label precedes it or its shape says so."""
    _token(text, m.start(), m.end(), out)


def _token(text: str, start: int, end: int, out: _Out) -> None:
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
    label, at = _label(text, start)
    if label == "code" and text[start:end].isdigit():
        return  # a SNOMED, LOINC or CPT code
    if label == "phone" and text[start:end].isdigit() and len(text[start:end]) == 7:
        _append(out, Detection(start, end, _CAT_PHONE, "phone.local"))  # "home# 5550143"
        return
    if label is not None:
        more = _GROUPS_AFTER.match(text, end)  # "member id W228 419 0377": the groups go with it
        if more is not None and labelled_value(text, at, more.end(), label, out):
            return
        if labelled_value(text, at, end, label, out):
            return
    shape = _ID_SHAPE.fullmatch(text, start, end)
    if shape is not None and not (shape.lastgroup == "gen" and unit_follows(text, end)):
        _append(out, Detection(start, end, _SHAPE_CATEGORY[shape.lastgroup or ""], f"id.shape.{shape.lastgroup}"))


def groups(text: str, m: re.Match[str], out: _Out) -> None:
    """The first of a few digit groups (``51-22-904``, ``88 41 290``, ``C-28 441 907``): the
    groups are one identifier when a label precedes them; otherwise the first group is a token
    like any other. The scan goes on at the second group, so a phone or an age there is found."""
    groups_at(text, m.start(), m.end(), out)


def groups_at(text: str, start: int, first: int, out: _Out) -> None:
    """:func:`groups` for the first group at ``text[start:first]``."""
    run = start
    after = _GROUPS_AFTER.match(text, first)
    end = after.end() if after else first
    glued = _GLUED_PREFIX_REV.match(reversed_before(text, start, 6))
    if glued is not None:
        start -= glued.end()  # a letter prefix glued to the digits: "C-28", "TX-40"
    label, at = _label(text, start)
    if label not in (None, "code", "phone") and (first - run >= 2 or glued is not None) \
            and sum(map(str.isdigit, text[run:end])) >= 5 and not unit_follows(text, end) \
            and labelled_value(text, at, end, label, out):
        return
    if first - run >= 3 and run > 0 and text[run - 1] in "-#":
        _token(text, run, first, out)  # what the catch-all would have read: "#123", "C-281"


def _ssn(text: str, m: re.Match[str], out: _Out) -> None:
    out.append(Detection(m.start(), m.end(), C.SSN, "ssn"))


_TOKEN = (r"(?P<tok>(?<![.]\d)(?:\d{4,24}|(?<=[A-Za-z\-#]\d)\d\d|[\dA-Za-z\-]{0,12}?[A-Za-z][\dA-Za-z\-]{0,12}?\d\d)"
          r"[\dA-Za-z\-]{0,24}"
          r"(?![@]|[/:.][A-Za-z\d]))")

# A plate after its label, read forward (a four-digit plate at the end of a line is not a token
# the number scan visits): "plate jlm 2290", "license plate # 7KXR291".
_VEHICLE = re.compile(
    r"(?<![a-z])(?:plates?|car|truck|van|vehicle|motorcycle|suv)(?![a-z])(?:[ \t]*(?:#|no\.?|number|:))?"
    r"[ \t:#]*(?P<v>(?:(?P<p>[a-z]{1,4})[ \-])?[a-z0-9\-]*\d[a-z0-9\-]*(?:[ \t]\d{2,4})?)(?![a-z0-9\-])"
)
_VEHICLE_WORDS = ("plate", "car", "truck", "van", "vehicle", "motorcycle", "suv")  # where a match can start


def _vehicles(text: str, probe: str, out: _Out) -> None:
    for m in matches_from_words(_VEHICLE, probe, _VEHICLE_WORDS):
        if m.group("p") in _NOT_PREFIX:
            continue
        start, end = m.span("v")
        if not any(d.start <= start and end <= d.end for d in out):
            labelled_value(text, start, end, "veh", out)


# An account name or a staff number after its label, read forward (a username has no digits to
# start the number scan; a four-digit badge number reads like a year): "username rzemaityte77",
# "login: jdoe", "(badge 2217)", "employee id E-4471".
_ACCOUNT_NAME = re.compile(
    r"(?<![a-z])(?:user[ \t]?name|user[ \t]?id|login(?:[ \t]id)?|log-in|screen[ \t]name)(?![a-z])"
    r"(?:[ \t]*(?:is|was|:|=|#))?[ \t:]*[\"'“]?(?P<v>[a-z0-9][a-z0-9._\-]{2,39})")
_BADGE = re.compile(r"(?<![a-z])(?:badge|employee[ \t]?(?:id|#|no\.?|number)|emp[ \t]?id|staff[ \t]?id)(?![a-z])"
                    r"[ \t]*(?:#|no\.?|number|:)?[ \t:#]*(?P<v>[a-z]{0,3}-?\d{3,8})(?![\w\-])")
# Where a match of each can start (the first word of each label).
_ACCOUNT_WORDS = ("user", "login", "log-in", "screen")
_BADGE_WORDS = ("badge", "emp", "staff")
_NOT_ACCOUNT = frozenset(("locked", "reset", "expired", "and", "the", "for", "with", "was", "not", "password", "issues",
                          "problems", "help", "access", "page", "screen", "credentials"))


def _accounts(text: str, probe: str, out: _Out) -> None:
    for m in matches_from_words(_ACCOUNT_NAME, probe, _ACCOUNT_WORDS):
        if m.group("v").rstrip(".") not in _NOT_ACCOUNT:
            start, end = m.span("v")
            while end > start and probe[end - 1] in ".-_":
                end -= 1
            _append(out, Detection(start, end, C.ID, "id.account_name"))
    for m in matches_from_words(_BADGE, probe, _BADGE_WORDS):
        _append(out, Detection(m.start("v"), m.end("v"), C.ID, "id.badge"))


# What the number scan reads as something else, after a label read forward: a licence number with
# a dot ("OH lic 35.118427") and the last four digits of a Social Security number ("last 4 SSN
# 7719", "SSN xxx-xx-4417").
_DOTTED_LICENSE = re.compile(r"(?<![a-z])(?:lic|license|licence|cdl)\.?(?:[ \t]*(?:#|no\.?|number|:))?[ \t:#]*"
                             r"(?P<v>\d{1,4}\.\d{4,10})(?![\w.]|[.,]\d)")
_SSN_LAST4 = re.compile(r"(?<![a-z])(?:ssn|ss#|social[ \t]+security(?:[ \t]+(?:number|no\.?|#))?)[ \t:#]*"
                        r"(?:(?:ending|ends)(?:[ \t]+in)?[ \t:]*|(?:x{3}|\*{3})[ \t\-]?(?:x{2}|\*{2})[ \t\-]?)?"
                        r"(?P<v>\d{4})(?![\w\-]|[.,]\d)")
_LICENSE_WORDS = ("lic", "cdl")  # where a match of each can start
_SSN_WORDS = ("ssn", "ss#", "social")


def _dotted_licenses(text: str, probe: str, out: _Out) -> None:
    for m in matches_from_words(_DOTTED_LICENSE, probe, _LICENSE_WORDS):
        _append(out, Detection(m.start("v"), m.end("v"), C.LICENSE, "id.lic"))


def _ssn_last_four(text: str, probe: str, out: _Out) -> None:
    for m in matches_from_words(_SSN_LAST4, probe, _SSN_WORDS):
        _append(out, Detection(m.start("v"), m.end("v"), C.SSN, "ssn.last4"))


_GLUED_PREFIX_REV = re.compile(r"-?[a-z]{1,4}(?![a-z0-9])")
# The first of two to four groups of digits split by single blanks or hyphens: tried after every
# other branch, it takes only the first group, and its handler reads the others.
_GROUPS_AFTER = re.compile(r"(?:[ \-]\d{2,7}){1,3}(?![\w\-/]|[.,:]\d)")
_GROUPS = (r"(?P<{name}>(?<![\w.,/:+]\d)\d{{0,3}}(?=" + _GROUPS_AFTER.pattern.replace("{", "{{").replace("}", "}}")
           + r"))")

RECOGNIZER = Recognizer(
    name="ids",
    order=60,
    priority={C.SSN: 3, C.MRN: 9, C.HEALTH_PLAN: 10, C.ACCOUNT: 11, C.LICENSE: 12, C.DEVICE: 13, C.VEHICLE: 14,
              C.ID: 19},
    branches=(
        Branch("ssn", _ssn_re("ssn", r"\-"), Follow.HYPHEN, 10, _ssn),
        Branch("ssn_b", _ssn_re("ssn_b", " "), Follow.SPACE, 10, _ssn),
        Branch("tok", _TOKEN, Follow.OTHER, 90, token),  # the catch-all: tried last
        Branch("grp", _GROUPS.format(name="grp"), Follow.HYPHEN, 95, groups),
        Branch("grp_b", _GROUPS.format(name="grp_b"), Follow.SPACE, 95, groups),
        Branch("grp_s", _GROUPS.format(name="grp_s"), Follow.SHORT_SPACE, 95, groups),
    ),
    triggers=(Trigger(_VEHICLE_WORDS, _vehicles),
              Trigger(("user", "login", "log-in", "screen name", "badge", "employee", "emp id", "staff id"),
                      _accounts),
              Trigger(_LICENSE_WORDS, _dotted_licenses),
              Trigger(("ssn", "ss#", "social security"), _ssn_last_four)),
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
