"""Pattern detectors for the PHI in free text that is not a person's name.

:func:`detect_patterns` finds dates (every common format, not a year alone), ages over 89,
phone and fax numbers, emails, SSNs, record / account / health-plan / licence / device /
vehicle / other identifiers, URLs, IP addresses, street addresses, and the cities and ZIP
codes written with them. It returns raw detections: they may overlap, and the caller
merges them (:func:`privacy.deid.detection.resolve_overlaps`).

Precision on real clinical text matters as much as recall on synthetic notes, so numbers
need more than a shape: ``120/80``, ``1/2 tab``, ``7/10 pain``, ``5/5 strength``, ``40 mg``
and a year alone are not dates; a bare ten-digit number after ``MRN`` is a record number,
not a phone; a five-digit number is a ZIP code only after a state or the word "zip", or
at the end of a street address.

How it stays fast (the de-identifier must handle megabytes of notes per second):

- One scan with a single regex whose first element is a digit (so the regex engine skips
  every other character in C) finds every number-shaped candidate: dates, phones, SSNs,
  IPs, street addresses, ages, ZIP codes and identifier values. Phones that start with
  ``(`` or ``+`` have their own literal-prefix scans.
- Labels ("MRN", "member ID", "lic.") are checked backwards from an identifier value, by
  an anchored match on the reversed few characters before it, never by scanning for them.
- Month names are found with ``str.find`` on their first three letters in a lower-cased
  copy; the date regex is then tried only at the few word starts just before each one.
- Emails, URLs, PO boxes and "lives in <city>" run only when a substring test finds their
  trigger, and then only around it.
"""

from __future__ import annotations

import ipaddress
import re
from operator import attrgetter

from privacy.deid.dates import (
    CARDINAL_DAY_PATTERN,
    MONTH_NUMBERS,
    ORDINAL_DAY_PATTERN,
    SHORT_YEAR_PATTERN,
    SPELLED_YEAR_PATTERN,
    WEEKDAY_NUMBERS,
)
from privacy.deid.detection import Detection
from privacy.phi import PhiCategory as C

__all__ = ["detect_patterns"]

_Out = list[Detection]


def _trie(words: list[str] | tuple[str, ...]) -> str:
    """A regex matching any of ``words``, as a character trie (the engine tries a branch per
    character, not per word). A space in a phrase matches any run of spaces, or none."""
    root: dict[str, dict] = {}
    for word in set(words):
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        ends = "" in node
        branches = [(r"\s*" if ch == " " else re.escape(ch)) + emit(child)
                    for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return "(?:" + emit(root) + ")"


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _rev_words(words: list[str] | tuple[str, ...]) -> str:
    """A regex matching each phrase of ``words`` written backwards."""
    return _trie([" ".join(token[::-1] for token in reversed(phrase.split())) for phrase in words])


def _reversed_before(text: str, start: int, width: int) -> str:
    """The ``width`` characters before ``start``, lower-cased and reversed."""
    return text[max(0, start - width):start].lower()[::-1]


# --- shared vocabulary ------------------------------------------------------------------------

_MONTH = (r"(?:january|february|march|april|may|june|july|august|september|october|november|december"
          r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)(?![a-z])")
_WEEKDAY = (r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday"
            r"|mon|tues|tue|weds|wed|thurs|thur|thu|fri|sat|sun)(?![a-z])")
_YEAR4 = r"(?:1[89]\d\d|20\d\d)"
_ORD = r"(?:st|nd|rd|th)"
_SPOKEN_YEAR = r"(?:" + SPELLED_YEAR_PATTERN + r"|" + _YEAR4 + r"|" + SHORT_YEAR_PATTERN + r")"
_EXT = r"(?:\s*(?:[xX]|[eE][xX][tT]\.?|[eE]xtension)\s*\d{1,6}(?![\w\-]))?"

# Words after a number that make it a quantity rather than a date part or an identifier.
_UNIT_AFTER = re.compile(
    r"\s*(?:-\s*)?(?:mg|mcg|µg|ug|g|gm|grams?|kg|lbs?|pounds?|oz|ounces?|ml|cc|l|liters?|litres?|units?|iu|meq"
    r"|mmol|mmhg|mm|cm|m|km|in|inch(?:es)?|ft|feet|foot|miles?|%|percent|tabs?|tablets?|caps?|capsules?|pills?"
    r"|puffs?|drops?|doses?|sprays?|patch(?:es)?|cups?|glass(?:es)?|tsp|tbsp|teaspoons?|tablespoons?|packs?|ppd"
    r"|cigarettes?|drinks?|beers?|times|x|hours?|hrs?|h|minutes?|mins?|seconds?|secs?|days?|d|weeks?|wks?"
    r"|months?|mos?|years?|yrs?|y|bpm|beats|breaths|strength|ns|normal\s+saline|of\b|the\b|and\s+a\s+half)(?![a-z])",
    re.IGNORECASE,
)


def _unit_follows(text: str, end: int) -> bool:
    return _UNIT_AFTER.match(text, end) is not None


# --- labels of identifiers, read backwards from the value ------------------------------------

_MARKS = ("#", "no", "no.", "number", "num", "id")
_LABELS: dict[str, tuple[str, ...]] = {
    # code systems: a number they label is a code, not an identifier of a person
    "code": ("snomed", "snomed ct", "sct", "loinc", "ndc", "cpt", "icd", "icd-9", "icd-10", "icd9", "icd10",
             "rxnorm", "rxcui", "hcpcs", "code", "codes", "cui"),
    # phone words: a number they label is a phone, never an identifier
    "phone": ("phone", "telephone", "tel", "tel.", "cell", "mobile", "fax", "pager", "beeper", "call", "callback",
              "contact", "home", "work", "ph", "ph.", "reachable at", "reach at", "at"),
    "veh": ("license plate", "licence plate", "lic plate", "plate", "plates", "vin", "vehicle", "vehicle id")
    + tuple(f"tag {m}" for m in _MARKS),
    "ssn": ("ssn", "ss#", "ss #", "ss no", "ss no.", "social security", "social security number", "soc sec",
            "soc. sec."),
    "mrn": ("mrn", "mr#", "mr #", "mr no", "mr no.", "medical record", "medical record number", "med rec",
            "med. rec.", "medical rec", "chart", "record") + tuple(
        f"{w} {m}" for w in ("chart", "hospital", "unit", "patient", "pt", "record") for m in _MARKS),
    "acct": ("acct", "acct.", "account", "a/c", "enc", "enc.", "billing", "billing acct", "billing account", "fin",
             "csn", "har") + tuple(f"{w} {m}" for w in ("encounter", "visit", "enc") for m in _MARKS),
    "plan": ("member", "member id", "membership", "subscriber", "subscriber id", "policy", "policy holder",
             "insurance", "insurance id", "insured id", "medicaid", "medicare", "mbi", "hicn", "beneficiary",
             "beneficiary id", "payer id", "health plan") + tuple(
        f"{w} {m}" for w in ("plan", "group", "health plan") for m in _MARKS),
    "lic": ("lic", "lic.", "license", "licence", "dea", "npi", "upin") + tuple(
        f"{w} {m}" for w in ("certificate", "cert", "cert.", "registration", "license", "licence") for m in _MARKS),
    "dev": ("serial", "s/n", "sn", "udi", "device serial", "pacemaker serial") + tuple(
        f"{w} {m}" for w in ("device", "pacemaker", "implant", "model", "lot", "serial") for m in _MARKS),
    "gen": ("id", "i.d.", "identifier", "claim", "accession", "requisition", "confirmation", "ticket", "badge",
            "employee id", "passport", "#", "no.") + tuple(
        f"{w} {m}" for w in ("ref", "reference", "claim", "specimen", "case", "order", "accession", "sample")
        for m in _MARKS),
}
_GAP_REV = (r"(?:[\s:#=(\-]|" + _rev_words(("no", "no.", "number", "num", "num.", "id", "i.d.", "is", "was"))
            + r"(?![a-z0-9]))*")
_LABEL_REV = re.compile(
    _GAP_REV + "(?:" + "|".join(f"(?P<{name}>{_rev_words(words)})" for name, words in _LABELS.items())
    + r")(?![a-z0-9])"
)
_ID_RULES = {name: f"id.{name}" for name in _LABELS}
_LABEL_CATEGORY = {"veh": C.VEHICLE, "ssn": C.SSN, "mrn": C.MRN, "acct": C.ACCOUNT, "plan": C.HEALTH_PLAN,
                   "lic": C.LICENSE, "dev": C.DEVICE, "gen": C.ID}


def _label_before(text: str, start: int) -> str | None:
    """The label group ("mrn", "plan", ..., "phone") written just before ``start``, if any."""
    m = _LABEL_REV.match(_reversed_before(text, start, 48))
    return m.lastgroup if m else None


# --- the number scan ------------------------------------------------------------------------

_SUFFIX_WORDS = _words(
    "Alley Avenue Branch Bridge Brook Brooks Burg Burgs Bypass Camp Canyon Cape Causeway Center Centers Circle "
    "Circles Cliff Cliffs Club Common Commons Corner Corners Course Court Courts Cove Coves Creek Crescent Crest "
    "Crossing Crossroad Curve Dale Dam Divide Drive Drives Estate Estates Expressway Extension Extensions Fall Falls "
    "Ferry Field Fields Flat Flats Ford Fords Forest Forge Forges Fork Forks Fort Freeway Garden Gardens Gateway Glen "
    "Glens Green Greens Grove Groves Harbor Harbors Haven Heights Highway Hill Hills Hollow Inlet Island Islands Isle "
    "Junction Junctions Key Keys Knoll Knolls Lake Lakes Land Landing Lane Light Lights Loaf Lock Locks Lodge Loop "
    "Mall Manor Manors Meadow Meadows Mews Mill Mills Mission Motorway Mount Mountain Mountains Neck Orchard Oval "
    "Overpass Park Parks Parkway Parkways Pass Passage Path Pike Pine Pines Place Plain Plains Plaza Point Points "
    "Port Ports Prairie Radial Ramp Ranch Rapid Rapids Rest Ridge Ridges River Road Roads Route Row Rue Run Shoal "
    "Shoals Shore Shores Skyway Spring Springs Spur Spurs Square Squares Station Stravenue Stream Street Streets "
    "Summit Terrace Throughway Trace Track Trafficway Trail Tunnel Turnpike Underpass Union Unions Valley Valleys "
    "Via Viaduct View Views Village Villages Ville Vista Walk Walks Wall Way Ways Well Wells Boulevard"
)  # Faker's en_US street suffixes, plus Boulevard
# USPS abbreviations in title case ("St", "Ave"), and the all-caps ones that are not also
# clinical abbreviations (CT, DR, PT and CIR are left out).
_STREET_ABBR = _words("St Ave Av Rd Blvd Ln Ct Pl Pkwy Hwy Cir Ter Terr Trl Sq Ctr Expy Fwy Tpke Aly Plz Xing "
                      "Cres Crk Hts Jct Mnr Mtn Pt Rdg Sta Vlg Vly Vw Wy Bnd Cv Hl Is Lk Pk Tr")
_STREET_ABBR_CAPS = _words("ST AVE RD BLVD LN HWY PKWY TER TRL")
_SUFFIX = (r"(?:(?i:" + _trie([w.lower() for w in _SUFFIX_WORDS]) + r")\b"
           r"|(?:" + "|".join(sorted(_STREET_ABBR, key=len, reverse=True)) + r")(?:\.|\b)"
           r"|Dr(?:\.(?!\s+[A-Z][a-z])|\b(?!\.))"  # "Elm Dr" but not "... Dr. Smith"
           r"|(?:" + "|".join(sorted(_STREET_ABBR_CAPS, key=len, reverse=True)) + r")\b)")
_STATES = _words("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM "
                 "NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP FM MH PW AA AE AP")
_STATE_NAMES = [
    *_words("Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida Georgia Hawaii Idaho "
            "Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland Massachusetts Michigan Minnesota "
            "Mississippi Missouri Montana Nebraska Nevada Ohio Oklahoma Oregon Pennsylvania Tennessee Texas Utah "
            "Vermont Virginia Washington Wisconsin Wyoming"),
    "New Hampshire", "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota", "Rhode Island",
    "South Carolina", "South Dakota", "West Virginia", "District of Columbia", "Puerto Rico"]
_STATE = r"(?:" + "|".join(sorted(_STATE_NAMES, key=len, reverse=True)) + r"|[A-Z]{2})"
_CITY_WORD = (r"(?!(?:Dr|Mr|Mrs|Ms|Pt|Patient|The|He|She|They|His|Her|With|And|Call|Lives|Resides|Home|Apt|Suite"
              r"|Unit|Phone|Fax|Email|Tel|Cell|Seen|Per|On|In|At|For|From|To)\b)[A-Z][a-z]+(?:['’][a-z]+)?")
_CITY = _CITY_WORD + r"(?:[ \-]" + _CITY_WORD + r"){0,2}"
_STREET_NAME_WORD = r"(?!(?:AM|PM|Apt|Suite|Unit)\b)(?:[A-Z][A-Za-z'’\-]*|\d{1,3}(?:st|nd|rd|th))"


def _ssn_re(name: str, seps: str) -> str:
    return rf"(?P<{name}>(?<![\w\-/.]\d)\d\d(?P<{name}_s>[{seps}])\d\d(?P={name}_s)\d{{4}}(?![\w\-]|[./]\d))"


def _phone_re(name: str) -> str:
    return (rf"(?P<{name}>(?<![\w+/.\-$]\d)(?:(?<=1)[\s.\-]?(?:\(\d{{3}}\)\s?|\d{{3}}[\s.\-]?)\d{{3}}[\s.\-]?\d{{4}}"
            rf"|\d\d[\s.\-]?\d{{3}}[\s.\-]?\d{{4}})(?![\w\-]|[./,]\d){_EXT})")


def _age_re(name: str) -> str:
    # 90 to 119, then a quick test of what makes it an age: "92 y/o", "92F", "aged 92"
    return (rf"(?P<{name}>(?<![\w.]\d)(?:(?<=9)\d|(?<=1)[01]\d)(?!\d|\.\d)"
            r"(?:(?=\s*-?\s*[yY])|(?=[FM]\b)|(?<=[eEdD:fF]\s\d\d)|(?<=[eEdD:fF]\s\d\d\d)|(?<=:\d\d)))")


_DATE_END = r"(?![\w/]|[.,:]\d|-\d+/)"


def _iso_re(name: str, sep: str) -> str:
    # ISO dates, also as the date of a timestamp (2023-03-14T10:00)
    return (rf"(?P<{name}>(?<![\w/.:+\-]\d)(?:(?<=1)[89]|(?<=2)0)\d\d{sep}\d\d?{sep}\d\d?"
            r"(?!(?!T\d)[\w/]|[.,:]\d|-\d+/))")


def _dmy_re(name: str, sep: str) -> str:
    return rf"(?P<{name}>(?<![\w/.:+\-]\d)\d?{sep}\d\d?{sep}(?:\d{{4}}|\d\d){_DATE_END})"


def _my_re(name: str, sep: str) -> str:
    return rf"(?P<{name}>(?<![\w/.:+\-]\d)\d?{sep}(?:1[89]|20)\d\d{_DATE_END})"


_NUM = re.compile(
    # The first character is a digit that starts a run of digits: the engine skips every
    # other character in C. Branches are grouped by what follows the run (a separator, a
    # space, anything else), and each checks what came before it.
    r"[0-9](?<![0-9][0-9])(?:"  # [0-9], not \d: a range test per character is faster than a category test
    # a slash after at most four digits: dates
    r"(?=\d{0,3}/)(?:" + _iso_re("iso_s", "/") + "|" + _my_re("my", "/") + "|" + _dmy_re("dmy", "/")
    + r"|(?P<md>(?<![\w/.:+]\d)\d?/\d\d?(?![\w/]|[.,:]\d)))"
    # a dot: IP addresses, phones, dates
    r"|(?=\d{0,3}\.)(?:(?P<ip>(?<![\w.]\d)\d{0,2}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?!\w|\.\d))|" + _phone_re("ph_d")
    + "|" + _iso_re("iso_d", r"\.") + "|" + _dmy_re("dmy_d", r"\.") + ")"
    # a hyphen: SSNs, phones, dates, seven-digit phones, "92-year-old"
    r"|(?=\d{0,3}-)(?:" + _ssn_re("ssn", r"\-") + "|" + _phone_re("ph") + "|" + _iso_re("iso", "-")
    + "|" + _my_re("my_h", "-") + "|" + _dmy_re("dmy_h", "-")
    + r"|(?P<ph7>(?<![\w.\-/]\d)\d\d-\d{4}(?![\w\-]|[./]\d))|" + _age_re("age") + ")"
    # a space and then a capital or a digit: SSNs, phones, street addresses
    r"|(?=\d{0,5}[ \t]+[A-Z0-9(])(?:" + _ssn_re("ssn_b", " ") + "|" + _phone_re("ph_b")
    + r"|(?P<addr>(?<![\w./\-#]\d)(?P<street>\d{0,5}"
    r"(?:\s+(?:[NSEW]|N[EW]|S[EW]|North|South|East|West)\.?)?"
    r"(?:\s+" + _STREET_NAME_WORD + r"){1,4}?\s+" + _SUFFIX + r"(?:\s+(?:N[EW]?|S[EW]?|E|W)\b\.?)?"
    r"(?:,?\s+(?i:apt|apartment|suite|ste|unit|rm|room|bldg|building|fl|floor|lot|spc|space|\#)\.?\s*\#?\s*"
    r"[A-Z0-9\-]{1,6}\b)?)"
    r"(?:(?:,\s*|\s+in\s+)(?P<city>" + _CITY + r")(?:,?\s+(?P<state>" + _STATE + r")\b)?"
    r"(?:,?\s+(?P<zip>\d{5}(?:-\d{4})?)(?![\w\-]))?)?))"
    # ages before a space ("92 y/o")
    r"|(?=\d{1,2}[ \t])" + _age_re("age_b")
    # anything else: bare phone digits, "92F", ZIP codes, identifier values
    + r"|(?:(?=\d{4}|\d{0,12}[A-Za-z\-]|\d{1,2}(?:[^\s\d]|\Z))|(?<=[A-Za-z\-#]\d))(?:"
    + _phone_re("ph_c") + "|" + _age_re("age_c")
    + r"|(?P<zip5>(?<![\w\-]\d)\d{4}(?:-\d{4})?(?![\w\-]|[.,]\d))"
    r"|(?P<tok>(?<![.]\d)(?:\d{4,24}|(?<=[A-Za-z\-#]\d)\d\d|[\dA-Za-z\-]{0,12}?[A-Za-z][\dA-Za-z\-]{0,12}?\d\d)"
    r"[\dA-Za-z\-]{0,24}"
    r"(?![@]|[/:.][A-Za-z\d]))"
    r"))"
)
# Phones written "(555) 234-5678" or "+1 555 234 5678": a literal first character, found fast.
_PHONE_PAREN = re.compile(r"\((?<![\w+]\()\d{3}\)\s?-?\d{3}[\s.\-]?\d{4}(?![\w\-]|[./,]\d)" + _EXT)
_PHONE_INTL = re.compile(r"\+(?<![\w+]\+)1[\s.\-]?(?:\(\d{3}\)\s?|\d{3}[\s.\-]?)\d{3}[\s.\-]?\d{4}"
                         r"(?![\w\-]|[./,]\d)" + _EXT)

# --- dates ----------------------------------------------------------------------------------

_SCORE_WORDS = (
    "pain", "hurt", "hurts", "rate", "rated", "rating", "rates", "scale", "severity", "intensity", "score", "level",
    "ache", "discomfort", "strength", "power", "motor", "reflex", "reflexes", "dtr", "dtrs", "murmur", "grade", "gcs",
    "apgar", "vision", "acuity", "bp", "b/p", "blood pressure", "ratio", "x", "out of", "take", "takes", "taking",
    "took", "approximately", "approx", "about", "around", "only", "over", "under", "than", "nearly", "almost", "ate",
    "eats", "eaten", "drank", "finished", "dose", "give", "given", "gave", "sig", "dispense", "one", "two", "three",
    "stage", "class", "nyha", "asa", "gleason", "timi", "curb-65", "curb", "wells", "sirs", "hiv", "mmse", "moca",
    "phq-9", "gad-7", "gcs", "nihss", "chads", "cha2ds2-vasc", "has-bled", "meld", "child-pugh", "ranson",
)
_SCORE_FILLERS = ("is", "was", "of", "at", "as", "about", "around", "approximately", "approx", "now", "currently",
                  "today", "still", "like", "a", "an", "the")
_SCORE_BEFORE_REV = re.compile(
    r"[\s:=,(\-]*(?:(?:" + _rev_words(_SCORE_FILLERS) + r"|\d+(?:-\d+)?)(?![a-z0-9])\W+)*"
    + _rev_words(_SCORE_WORDS) + r"(?![a-z])"
)
_SCORE_AFTER = re.compile(
    r"\s*(?:pain|on\s+the|in\s+(?:severity|intensity|strength)|severity|intensity|scale|strength|power|murmur"
    r"|systolic|diastolic|holosystolic|bilateral(?:ly)?|throughout|symmetric|in\s+all|in\s+the\s+(?:upper|lower)"
    r"|reflex(?:es)?|nodes?|lymph|positive|negative|vision|of\b|the\b|way|dilution|split|ns\b|blood|bottles?|sets?"
    r"|cultures?|quadrants?|criteria|ab\b|antibod|samples?|specimens?|views?|cores?|biops|vessels?|fingers?|toes?"
    r"|points?|items?|sirs|patients?|people|subjects?|cases?)",
    re.IGNORECASE,
)
_RANGE_REV = re.compile(r"-\d\d?/\d\d?(?![\d/.])")
_DIGIT_BEFORE_REV = re.compile(r"(?:[\s\-]|\s+dna\s+)\d(?![\d,.])|\+")  # "1 1/2", "1 and 1/2"
_PAIN_NEAR = re.compile(r"pain|hurt|ache|scale|severity|intensity|rate|rating|score|level|discomfort|\d/10\b",
                        re.IGNORECASE)
_DATE_CUE_REV = re.compile(
    r"\W*" + _rev_words(("on", "since", "date", "dated", "seen", "visit", "appt", "appointment", "dx", "diagnosed",
                         "from", "until", "till", "til", "before", "after", "by", "due", "admitted", "discharged",
                         "of", "surgery", "started", "began", "onset", "at", "arrived", "presented", "returned",
                         "called")) + r"(?![a-z])"
)
_COMPLAINT_AFTER = re.compile(r"\s+(?:c/o|complain)", re.IGNORECASE)
_WEEKDAY_REV = re.compile(
    r"\s+,?\.?" + _rev_words(tuple(WEEKDAY_NUMBERS)) + r"(?![a-z])"
)


def _days_in(month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]


def _bare_md_ok(text: str, start: int, end: int, a: int, b: int) -> bool:
    """Context test for a bare ``m/d`` (or ``m/yy``): not a score, fraction or quantity."""
    rev = _reversed_before(text, start, 40)
    if rev[:1] == "-":  # "3/14-3/16" is a range of dates, "4-5/10" a score
        return _RANGE_REV.match(rev) is not None
    if _DIGIT_BEFORE_REV.match(rev) or _SCORE_BEFORE_REV.match(rev):
        return False
    if _SCORE_AFTER.match(text, end) is not None or _unit_follows(text, end):
        return False
    if b == 10 and a <= 10 and _COMPLAINT_AFTER.match(text, end):
        return True  # "arrived 10/10 c/o chest pain": a score is never followed by the complaint
    if b == 10 and a <= 10:  # "x/10" near pain words is a pain score unless a date word leads it
        window = text[max(0, start - 60):start] + " " + text[end:end + 40]
        if _PAIN_NEAR.search(window) and not _DATE_CUE_REV.match(rev):
            return False
    return True


_WEEKDAY_TAILS = frozenset({"day", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "ues", "eds", "hur", "urs"})


def _with_weekday(text: str, start: int) -> int:
    """``start`` moved back over a weekday written just before it ("Tue 3/14")."""
    if start < 4 or text[start - 1] not in " \t,":
        return start
    j = start - 1
    while j > 0 and text[j - 1] in " \t,.":
        j -= 1
    if text[max(0, j - 3):j].lower() not in _WEEKDAY_TAILS:
        return start
    m = _WEEKDAY_REV.match(_reversed_before(text, start, 12))
    return start - m.end() if m else start


_DATE_KIND = {"iso": "iso", "iso_s": "iso", "iso_d": "iso", "my": "my", "my_h": "my", "dmy": "dmy", "dmy_d": "dmy",
              "dmy_h": "dmy", "md": "md"}


def _numeric_date(text: str, m: re.Match[str], out: _Out) -> None:
    start, end = m.span()
    value = m.group(0)
    kind = _DATE_KIND[m.lastgroup or ""]
    if kind == "iso":
        parts = value.split(value[4])
        if not _days_in(int(parts[1]), int(parts[2])):
            return
        rule = "date.iso"
    elif kind == "my":
        sep = "/" if "/" in value else "-"
        month_text = value.split(sep)[0]
        if not 1 <= int(month_text) <= 12 or (sep == "-" and len(month_text) < 2):
            return
        rule = "date.month_year"
    elif kind == "dmy":
        sep = "/" if "/" in value else ("." if "." in value else "-")
        a_text, b_text, y_text = value.split(sep)
        a, b = int(a_text), int(b_text)
        if not (_days_in(a, b) or _days_in(b, a)):
            return
        if sep == "." and len(y_text) == 2 and not (len(a_text) == 2 and len(b_text) == 2):
            return  # 1.2.23 reads as a version or a list of numbers
        rule = "date.dmy" if sep == "." or a > 12 else "date.mdy"
    else:
        a_text, b_text = value.split("/")
        a, b = int(a_text), int(b_text)
        if _days_in(a, b):
            rule = "date.md"
        elif 1 <= a <= 12 and len(b_text) == 2 and b > 31:
            rule = "date.month_year"  # 9/93
        else:
            return
        if not _bare_md_ok(text, start, end, a, b):
            return
    out.append(Detection(_with_weekday(text, start), end, C.DATE, rule))


# Dates with month names, tried only at word starts just before a month name.
_DATE_NAME = re.compile(
    r"(?<![\w'])(?:(?P<wd>" + _WEEKDAY + r")\.?,?\s+)?(?:"
    # March 14, 2023 / Mar. 14 / March 14th / March the 14th / Mar-14-2023 / March 14 '23
    r"(?P<m1>" + _MONTH + r")\.?(?:\s+the\s+|\s+|-)(?P<d1>\d\d?)(?:" + _ORD + r")?(?!\d|[.,:]\d|[a-z%])"
    r"(?:(?:,\s*|\s+|-)(?P<y1>" + _YEAR4 + r"|['’]\d\d)(?![\w/]|[.,]\d))?"
    # 14 Mar 2023 / 14th of March / 14-MAR-23
    r"|(?P<d2>\d\d?)(?:" + _ORD + r")?(?:\s+of\s+|\s+|-)(?P<m2>" + _MONTH + r")"
    r"(?:\.?(?:,?\s+|-)(?P<y2>" + _YEAR4 + r"|(?<=-)\d\d|['’]\d\d)(?![\w/]|[.,]\d))?"
    # March 2023 / March of 2023
    r"|(?P<m3>" + _MONTH + r")\.?,?\s+(?:of\s+)?(?P<y3>" + _YEAR4 + r")(?![\w/]|[.,]\d)"
    # spoken: January tenth (two thousand nine) / the tenth of January / August of two thousand eight
    r"|(?P<m4>" + _MONTH + r")\s+(?:the\s+)?(?P<d4>" + ORDINAL_DAY_PATTERN + r")(?![a-z])"
    r"(?:,?\s+(?:of\s+|in\s+)?(?P<y4>" + _SPOKEN_YEAR + r")(?![a-z\d]))?"
    r"|(?P<d5>" + ORDINAL_DAY_PATTERN + r")(?:\s+of\s+|\s+)(?P<m5>" + _MONTH + r")"
    r"(?:,?\s+(?:of\s+|in\s+)?(?P<y5>" + _SPOKEN_YEAR + r")(?![a-z\d]))?"
    r"|(?P<m7>" + _MONTH + r")\s+(?P<d7>" + CARDINAL_DAY_PATTERN + r"),?\s+(?:of\s+)?"
    r"(?P<y7>" + SPELLED_YEAR_PATTERN + r"|" + _YEAR4 + r")(?![a-z\d])"
    r"|(?P<m6>" + _MONTH + r"),?\s+(?:of\s+)?(?P<y6>" + SPELLED_YEAR_PATTERN + r"|(?:o|oh)[\s-]+[a-z]+)(?![a-z])"
    r"|(?P<m8>" + _MONTH + r")\s+of\s+(?P<y8>" + SHORT_YEAR_PATTERN + r")(?![a-z])"
    r")",
    re.IGNORECASE,
)
# Month names: their three-letter starts are found with str.find in the lower-cased text,
# then checked here.
_MONTH_PREFIXES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_AT = re.compile(_MONTH)
# Words that may stand before a month name inside a date ("Tuesday, 14th of March").
_DATE_PREFIX_WORDS = frozenset(WEEKDAY_NUMBERS) | frozenset(re.findall(r"[a-z]+", ORDINAL_DAY_PATTERN)) | {
    "the", "of", "twenty", "thirty"}


def _month_positions(low: str) -> list[int]:
    hits = []
    for prefix in _MONTH_PREFIXES:
        if prefix not in low:  # "in" is cheaper than a find() call, and most texts hold no month
            continue
        i = low.find(prefix)
        while i >= 0:
            if (i == 0 or not low[i - 1].isalpha()) and _MONTH_AT.match(low, i):
                hits.append(i)
            i = low.find(prefix, i + 3)
    if len(hits) > 1:
        hits.sort()
    return hits


def _named_date(text: str, m: re.Match[str], month: str) -> Detection | None:
    """Check a match of :data:`_DATE_NAME` whose month name (lower case) is ``month``."""
    d1 = m.group("d1")
    if d1:
        if not _days_in(MONTH_NUMBERS[month], int(d1)):
            return None
        if not m.group("y1") and _unit_follows(text, m.end("d1")):
            return None
        rule = "date.month_day"
    elif m.group("d2"):
        if not _days_in(MONTH_NUMBERS[month], int(m.group("d2"))):
            return None
        rule = "date.day_month"
    elif m.group("y3") or m.group("y6") or m.group("y8"):
        rule = "date.month_year"
    else:
        rule = "date.spoken"
    return Detection(m.start(), m.end(), C.DATE, rule)


def _date_prefix_starts(low: str, pos: int) -> list[int]:
    """Starts of the words just before ``pos`` that may open a date holding the month name
    at ``pos`` (a day number, a weekday, a spelled ordinal, "the", "of"), earliest first."""
    starts: list[int] = []
    end = pos
    for _ in range(4):
        j = end
        while j > 0 and low[j - 1] in " ,.-\t":
            j -= 1
        if j == end or j == 0:
            break
        k = j
        while k > 0 and low[k - 1].isalnum():
            k -= 1
        word = low[k:j]
        if not (word[:1].isdigit() or word in _DATE_PREFIX_WORDS):
            break
        starts.append(k)
        end = k
    starts.reverse()
    return starts


def _dates_named(text: str, low: str, out: _Out) -> None:
    covered = 0
    for pos in _month_positions(low):
        if pos < covered:
            continue
        month_m = _MONTH_AT.match(low, pos)
        assert month_m is not None
        month = month_m.group(0)
        if month == "may" and text[pos] == "m":
            continue  # the verb
        starts = _date_prefix_starts(low, pos) if pos else []
        starts.append(pos)
        for start in starts:  # earliest first: the longest date that holds this month name
            m = _DATE_NAME.match(text, start)
            if m is None or m.end() <= pos:
                continue
            if month in ("mar", "march") and text[pos] == "m" and not m.group("y1"):
                break  # "march" the verb
            det = _named_date(text, m, month)
            if det is not None:
                out.append(det)
                covered = det.end
                break


# --- ages over 89 ---------------------------------------------------------------------------

_AGE_SUFFIX = re.compile(
    r"\s*-?\s*(?:y/o|y\.o\b\.?|yo\b|y\s?o\b|yrs?\.?[\s-]*old|years?[\s-]*old|years?\s+of\s+age|yr-old"
    r"|-y-o\b|years?-of-age)|(?-i:[FM])\b",
    re.IGNORECASE,
)
_AGE_NOT_AFTER = re.compile(
    r"\s*(?:days?|d\b|weeks?|wks?|months?|mos?|mg|kg|lbs?|pounds|minutes?|mins?|hours?|hrs?|bpm|mmhg|[%/])",
    re.IGNORECASE,
)
_AGE_PREFIX_REV = re.compile(r"\s*:?\s*(?:dega|ega|sega|fo\s+ega)(?![a-z])")
# "T 99F", "fever to 101F" (reversed): a temperature in Fahrenheit, not a 99-year-old woman
_TEMPERATURE_REV = re.compile(r"\W*(?:(?:ot|fo|ta|saw|si|fo\s+kaep)\W+)?"
                              r"(?:t|pmet|erutarepmet|xamt|mt|revef|elirbef|elirbefa|°)(?![\w.])")
_AGE_WORDS = re.compile(
    r"(?<![\w-])(?:ninety(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine))?"
    r"|(?:a|one)\s+hundred(?:(?:\s+and)?[\s-]+(?:one|two|three|four|five|six|seven|eight|nine|ten))?)"
    r"(?=[\s-]+(?:years?[\s-]+old|year-old|yo\b|y/o))",
    re.IGNORECASE,
)


def _age(text: str, m: re.Match[str], out: _Out) -> None:
    start, end = m.span()
    suffix = _AGE_SUFFIX.match(text, end)
    if suffix is not None:
        if suffix.group(0) in ("F", "M") and _TEMPERATURE_REV.match(_reversed_before(text, start, 15)):
            return  # 98F is a temperature
    elif not _AGE_PREFIX_REV.match(_reversed_before(text, start, 12)) or _AGE_NOT_AFTER.match(text, end):
        return
    out.append(Detection(start, end, C.AGE, "age.over89"))


# --- phones and faxes -------------------------------------------------------------------------

_FAX_WORD = re.compile(r"\b(?:fax(?:ed|ing|es)?|facsimile|fx)\b|\bF\s*[:#]|\(F\)", re.IGNORECASE)
_PHONE_WORD = re.compile(
    r"\b(?:ph(?:one)?|tel(?:ephone)?|cell|mobile|call(?:ed|back|s)?|pager|beeper|contact|reach(?:able)?|home|work"
    r"|voicemail|vm|text)\b|\b[PCHW]\s*:",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<!\bSt)(?<!\bDr)(?<!\bMr)(?<!\bMs)(?<!\bMrs)(?<!\b[A-Z])[.!?]\s+[A-Z]")
_FAX_AFTER = re.compile(r"\s*[(\[]?\s*(?:fax|facsimile|\(f\)|f\))", re.IGNORECASE)
_LONG_NUMBER = re.compile(r"\d[\d\s().-]{8,}\d")


def _is_fax(text: str, start: int, end: int) -> bool:
    if _FAX_AFTER.match(text, end):
        return True
    lo = max(0, start - 80)
    window = text[lo:start]
    low = window.lower()
    if "fax" not in low and "fx" not in low and "f:" not in low and "f#" not in low and "(f)" not in low \
            and "facsimile" not in low and "f :" not in low:
        return False
    last = None
    for last in _FAX_WORD.finditer(window):
        pass
    if last is None:
        return False
    between = window[last.end():]
    return not (_PHONE_WORD.search(between) or _SENTENCE_END.search(between) or _LONG_NUMBER.search(between))


def _phone(text: str, m: re.Match[str], out: _Out) -> None:
    start, end = m.span()
    value = m.group(0)
    if value.isdigit():
        # Bare digits: a NANP number (area and exchange start with 2-9) unless labelled as an id.
        label = _label_before(text, start)
        if label is not None and label != "phone":
            _labelled_value(text, start, end, label, out)  # a labelled id or code, not a phone
            return
        if len(value) != 10 or value[0] in "01" or value[3] in "01":
            if len(value) >= 9:
                out.append(Detection(start, end, C.ID, "id.digits"))
            return
    category = C.FAX if _is_fax(text, start, end) else C.PHONE
    out.append(Detection(start, end, category, "fax" if category is C.FAX else "phone"))


_PHONE_WORD_REV = re.compile(
    r"\W*(?:ta|si|no|ot|fo)?\W*" + _rev_words(("call", "called", "phone", "ph", "tel", "telephone", "cell", "mobile",
                                               "home", "work", "pager", "beeper", "page", "contact", "reach", "reached",
                                               "reachable", "callback", "number", "no", "#", "fax", "f", "p", "c",
                                               "h", "w")) + r"(?![a-z])"
)


def _local_phone(text: str, m: re.Match[str], out: _Out) -> None:
    """A seven-digit number ("555-1234"): a phone only right after a phone word."""
    start, end = m.span()
    if _PHONE_WORD_REV.match(_reversed_before(text, start, 25)):
        category = C.FAX if _is_fax(text, start, end) else C.PHONE
        out.append(Detection(start, end, category, "fax.local" if category is C.FAX else "phone.local"))


# --- identifiers ------------------------------------------------------------------------------

_DATE_LIKE = re.compile(r"\d{4}-\d\d?-\d\d?|\d\d?-\d\d?-\d{2,4}|\d\d?-\d{4}")
_ID_SHAPE = re.compile(
    r"(?P<acct>ENC-?\d{5,}|ACC-?\d{4,}|ACCT-?\d{4,}|FIN-?\d{6,})"
    r"|(?P<mrn>MRN-?\d{5,})"
    r"|(?P<dev>SN-?\d{5,}[A-Z]?)"
    r"|(?P<gen>[A-Z]{1,4}-?\d{6,12}[A-Z]?|\d{9,12})"
)
_SHAPE_CATEGORY = {"acct": C.ACCOUNT, "mrn": C.MRN, "dev": C.DEVICE, "gen": C.ID}


def _labelled_value(text: str, start: int, end: int, label: str, out: _Out) -> bool:
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
    if ("-" in value and _DATE_LIKE.fullmatch(value)) or (digits == len(value) and _unit_follows(text, end)):
        return False
    out.append(Detection(start, end, category, _ID_RULES[label]))
    return True


def _token(text: str, m: re.Match[str], out: _Out) -> None:
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
    label = _label_before(text, start)
    if label == "code" and text[start:end].isdigit():
        return  # a SNOMED, LOINC or CPT code
    if label is not None and _labelled_value(text, start, end, label, out):
        return
    shape = _ID_SHAPE.fullmatch(text, start, end)
    if shape is not None and not (shape.lastgroup == "gen" and _unit_follows(text, end)):
        out.append(Detection(start, end, _SHAPE_CATEGORY[shape.lastgroup or ""], f"id.shape.{shape.lastgroup}"))


# --- addresses, cities and ZIP codes ------------------------------------------------------------

_NOT_STREET_REV = re.compile(
    r"\s*" + _rev_words(("level", "type", "stage", "grade", "phase", "class", "category", "tier", "room", "rm", "bed",
                         "floor", "unit", "step", "day", "week", "year", "age", "version", "no", "number", "x",
                         "times", "of", "for", "about", "approximately", "take", "took", "gave", "had", "has", "have",
                         "with", "and", "or", "to", "from", "over", "under")) + r"(?![a-z])"
)
_STATE_BEFORE = re.compile(
    r"(?:(?P<city>" + _CITY + r"),?\s+)?(?<![\w])(?P<state>" + "|".join(sorted(_STATE_NAMES, key=len, reverse=True))
    + r"|" + "|".join(_STATES) + r")\.?,?\s+\Z"
)
_STATE_SET = frozenset(_STATES)
_STATE_NAME_ENDS = tuple(name.split()[-1] for name in _STATE_NAMES)
_ZIP_WORD_REV = re.compile(r"\s*[:#]?\s*(?:si\s+)?(?:edoc\s*piz|piz|edoc\s+latsop)(?![a-z])")


_ABBR_DOT_END = re.compile(r"\b(?:" + "|".join(_STREET_ABBR) + r"|Dr)\.\Z")


def _address(text: str, m: re.Match[str], out: _Out) -> None:
    start, end = m.start(), m.end("street")
    if _NOT_STREET_REV.match(_reversed_before(text, start, 16)):
        return
    if text[end - 1] == "." and not _ABBR_DOT_END.search(text, start, end):
        end -= 1
    out.append(Detection(start, end, C.ADDRESS, "address.street"))
    if m.group("city"):
        out.append(Detection(m.start("city"), m.end("city"), C.CITY, "city.after_street"))
    if m.group("zip"):
        out.append(Detection(m.start("zip"), m.end("zip"), C.ZIP, "zip.after_street"))


def _zip(text: str, m: re.Match[str], out: _Out) -> None:
    start, end = m.span()
    before = text[max(0, start - 24):start].rstrip(" ,.")
    last = before[-2:] if len(before) >= 2 else ""
    if (last in _STATE_SET and (len(before) == 2 or not before[-3].isalnum())) or before.endswith(_STATE_NAME_ENDS):
        state = _STATE_BEFORE.search(text, max(0, start - 60), start)
        if state is not None:
            out.append(Detection(start, end, C.ZIP, "zip.state"))
            if state.group("city"):
                out.append(Detection(state.start("city"), state.end("city"), C.CITY, "city.state_zip"))
            return
    if _ZIP_WORD_REV.match(_reversed_before(text, start, 16)):
        out.append(Detection(start, end, C.ZIP, "zip.labelled"))
        return
    _token(text, m, out)


_PO_BOX = re.compile(r"(?<![\w.])(?i:p\.?\s?o\.?\s*box|post\s+office\s+box|pob)\s+\#?\d{1,6}(?![\w\-])")
_LIVES_IN = re.compile(
    r"[LlRrMmHh](?<![A-Za-z][LlRrMmHh])(?i:(?<=l)(?:ives|iving)|(?<=r)(?:esides|esiding|eside|esident\s+of"
    r"|elocated\s+from)|(?<=m)oved\s+(?:here\s+)?from|(?<=h)ome\s*town)"
    r"(?:\s+(?i:alone|here|with\s+\w+))?\s+(?:(?i:in)\s+)?(?P<city>" + _CITY + r")"
)
_NOT_CITY = frozenset(_words(
    "A An The Assisted Skilled Nursing Senior Memory Group Foster Independent Section House Apartment Apartments "
    "Town City Home Long Korea China Japan India Mexico Canada Vietnam Philippines Germany France Italy Spain "
    "England Ireland Russia Ukraine Poland Brazil Cuba Haiti Jamaica Africa Europe Asia Iran Iraq Israel Egypt "
    "Nigeria Kenya Pakistan Afghanistan Thailand Cambodia Laos Taiwan Australia Guatemala Honduras Salvador "
    "Colombia Peru Chile Argentina Venezuela America"
))


_LIVES_KEYS = ("liv", "resid", "moved", "reloc", "hometown", "home town")


def _cities(text: str, probe: str, out: _Out) -> None:
    for key in _LIVES_KEYS:
        i = probe.find(key)
        while i >= 0:
            m = _LIVES_IN.match(text, i) if i == 0 or not probe[i - 1].isalpha() else None
            i = probe.find(key, i + 3)
            if m is None:
                continue
            _city(m, out)


def _city(m: re.Match[str], out: _Out) -> None:
    city = m.group("city")
    if city.split()[0] in _NOT_CITY or city in _STATE_NAMES:
        return
    out.append(Detection(m.start("city"), m.end("city"), C.CITY, "city.lives_in"))


# --- emails, URLs, IP addresses ---------------------------------------------------------------

_EMAIL = re.compile(r"(?<![\w.+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}(?![\w\-])")
_TLDS = ("com", "org", "net", "edu", "gov", "mil", "io", "us", "info", "biz", "health")
_TLD = r"(?:" + "|".join(_TLDS) + r")"
_TLD_HINT = re.compile(r"\." + _TLD + r"(?![a-z0-9\-])")
_URL = re.compile(
    r"(?<![\w@.\-/])(?:"
    r"(?:https?|ftp|sftp)://[^\s<>\"'{}|\\^`\[\]]+"
    r"|www\.[^\s<>\"'{}|\\^`\[\]]+"
    r"|(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+" + _TLD + r"(?![\w\-])(?::\d{2,5})?(?:[/?#][^\s<>\"'{}|\\^`\[\]]*)?"
    r")",
    re.IGNORECASE,
)
_URL_TRAIL = ".,;:!?'\""
_VERSION_REV = re.compile(r"\s*(?:v|\.?rev|noisrev)(?![a-z])")
_IPV6_HINT = re.compile(r"[0-9A-Fa-f:]:[0-9A-Fa-f]{0,4}:")
_IPV6 = re.compile(r"(?<![\w:.])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?![\w:])", re.IGNORECASE)


def _strip_url(url: str) -> str:
    while url and url[-1] in _URL_TRAIL:
        url = url[:-1]
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1]
        while url and url[-1] in _URL_TRAIL:
            url = url[:-1]
    return url


_URL_ANCHOR = re.compile(r"://|www\.|\." + _TLD + r"(?![a-z0-9\-])")
_TOKEN_BREAK = " \t\n\r<>\"'`"


def _urls(text: str, probe: str, out: _Out) -> None:
    """URLs, found from their anchors ("://", "www.", ".org") and read within their token."""
    done = -1
    for anchor in _URL_ANCHOR.finditer(probe):
        if anchor.start() < done:
            continue
        lo = anchor.start()
        while lo > 0 and text[lo - 1] not in _TOKEN_BREAK and anchor.start() - lo < 300:
            lo -= 1
        hi = anchor.end()
        while hi < len(text) and text[hi] not in _TOKEN_BREAK:
            hi += 1
        done = hi
        if "@" in text[lo:hi] and "://" not in text[lo:hi]:
            continue  # an email address
        while lo < anchor.start() and text[lo] in "([{<*_~":
            lo += 1
        m = _URL.match(text, lo, hi)
        if m is None:
            m = _URL.search(text, lo, hi)
        if m is not None:
            url = _strip_url(m.group(0))
            if "." in url and len(url) >= 4:
                out.append(Detection(m.start(), m.start() + len(url), C.URL, "url"))


def _ipv4(text: str, m: re.Match[str], out: _Out) -> None:
    octets = m.group(0).split(".")
    if any(int(o) > 255 or (len(o) > 1 and o[0] == "0") for o in octets):
        return
    if _VERSION_REV.match(_reversed_before(text, m.start(), 10)):
        return
    out.append(Detection(m.start(), m.end(), C.IP, "ip.v4"))


def _ipv6(text: str, out: _Out) -> None:
    for m in _IPV6.finditer(text):
        candidate = m.group(0)
        if "::" not in candidate and candidate.count(":") < 7:
            continue
        try:
            ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
        out.append(Detection(m.start(), m.end(), C.IP, "ip.v6"))


# --- entry point ------------------------------------------------------------------------------

def _ssn(text: str, m: re.Match[str], out: _Out) -> None:
    out.append(Detection(m.start(), m.end(), C.SSN, "ssn"))


# What to do with each kind of match of _NUM.
_HANDLERS = {
    "md": _numeric_date, "dmy": _numeric_date, "dmy_d": _numeric_date, "dmy_h": _numeric_date,
    "iso": _numeric_date, "iso_s": _numeric_date, "iso_d": _numeric_date, "my": _numeric_date, "my_h": _numeric_date,
    "tok": _token, "zip5": _zip, "addr": _address, "ip": _ipv4, "ssn": _ssn, "ssn_b": _ssn,
    "age": _age, "age_b": _age, "age_c": _age,
    "ph": _phone, "ph_b": _phone, "ph_c": _phone, "ph_d": _phone, "ph7": _local_phone,
}
_PHONE_KINDS = frozenset({"ph", "ph_b", "ph_c", "ph_d", "ph7"})


def _scan_numbers(text: str, out: _Out) -> None:
    phones: list[tuple[int, int]] = []
    if "+" in text:
        for m in _PHONE_INTL.finditer(text):
            phones.append(m.span())
            _phone(text, m, out)
    if "(" in text:
        for m in _PHONE_PAREN.finditer(text):
            if not any(s <= m.start() < e for s, e in phones):
                phones.append(m.span())
                _phone(text, m, out)
    for m in _NUM.finditer(text):
        kind = m.lastgroup or ""
        if phones and kind in _PHONE_KINDS and any(s <= m.start() < e for s, e in phones):
            continue  # the rest of "(555) 234-5678"
        _HANDLERS[kind](text, m, out)


_START = attrgetter("start")


def detect_patterns(text: str) -> list[Detection]:
    """Every non-name PHI that a pattern finds in ``text``, as raw (possibly overlapping) detections."""
    out: _Out = []
    if not text:
        return out
    probe = text.lower()
    if len(probe) != len(text):  # a character whose lower case is longer ("İ"): keep offsets
        probe = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)
    _scan_numbers(text, out)
    _dates_named(text, probe, out)
    if "@" in text:
        for m in _EMAIL.finditer(text):
            out.append(Detection(m.start(), m.end(), C.EMAIL, "email"))
    if "://" in probe or "www." in probe or ("." in probe and _TLD_HINT.search(probe)):
        _urls(text, probe, out)
    if "::" in text or (text.count(":") >= 7 and _IPV6_HINT.search(text)):
        _ipv6(text, out)
    if "ninety" in probe or "hundred" in probe:
        for m in _AGE_WORDS.finditer(text):
            out.append(Detection(m.start(), m.end(), C.AGE, "age.over89.words"))
    if "box" in probe:
        for m in _PO_BOX.finditer(text):
            out.append(Detection(m.start(), m.end(), C.ADDRESS, "address.pobox"))
    if "liv" in probe or "resid" in probe or "moved" in probe or "reloc" in probe or "town" in probe:
        _cities(text, probe, out)
    out.sort(key=_START)
    return out
