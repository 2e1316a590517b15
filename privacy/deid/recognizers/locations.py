"""Street addresses, PO boxes, and the cities and ZIP codes written with them.

A street address (``123 Main St., Apt 4``, ``1600 Pennsylvania Ave NW``) is a branch of the
number scan: a house number, up to four capitalised words and a street suffix, optionally
followed by a city, a state and a ZIP code, each reported in its own category. A
five-digit number is a ZIP code only after a state or the word "zip", or at the end of a
street address; otherwise it is left to the identifier catch-all. PO boxes run only when
``box`` occurs, and a city after ``lives in`` / ``resides in`` / ``moved from`` only when one
of those words does. State names and countries are not PHI.
"""

from __future__ import annotations

import re

from privacy.deid.recognizers.base import Branch, Detection, Follow, Recognizer, Trigger
from privacy.deid.recognizers.ids import token
from privacy.deid.recognizers.text import rev_words, reversed_before, split_words, trie
from privacy.phi import PhiCategory as C

__all__ = ["RECOGNIZER"]

_Out = list[Detection]

_SUFFIX_WORDS = split_words(
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
_STREET_ABBR = split_words("St Ave Av Rd Blvd Ln Ct Pl Pkwy Hwy Cir Ter Terr Trl Sq Ctr Expy Fwy Tpke Aly Plz Xing "
                           "Cres Crk Hts Jct Mnr Mtn Pt Rdg Sta Vlg Vly Vw Wy Bnd Cv Hl Is Lk Pk Tr")
_STREET_ABBR_CAPS = split_words("ST AVE RD BLVD LN HWY PKWY TER TRL")
_SUFFIX = (r"(?:(?i:" + trie([w.lower() for w in _SUFFIX_WORDS]) + r")\b"
           r"|(?:" + "|".join(sorted(_STREET_ABBR, key=len, reverse=True)) + r")(?:\.|\b)"
           r"|Dr(?:\.(?!\s+[A-Z][a-z])|\b(?!\.))"  # "Elm Dr" but not "... Dr. Smith"
           r"|(?:" + "|".join(sorted(_STREET_ABBR_CAPS, key=len, reverse=True)) + r")\b)")
_STATES = split_words("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM "
                      "NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP FM MH PW AA AE AP")
_STATE_NAMES = [
    *split_words("Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida Georgia Hawaii "
                 "Idaho Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland Massachusetts Michigan "
                 "Minnesota Mississippi Missouri Montana Nebraska Nevada Ohio Oklahoma Oregon Pennsylvania Tennessee "
                 "Texas Utah Vermont Virginia Washington Wisconsin Wyoming"),
    "New Hampshire", "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota", "Rhode Island",
    "South Carolina", "South Dakota", "West Virginia", "District of Columbia", "Puerto Rico"]
_STATE = r"(?:" + "|".join(sorted(_STATE_NAMES, key=len, reverse=True)) + r"|[A-Z]{2})"
_CITY_WORD = (r"(?!(?:Dr|Mr|Mrs|Ms|Pt|Patient|The|He|She|They|His|Her|With|And|Call|Lives|Resides|Home|Apt|Suite"
              r"|Unit|Phone|Fax|Email|Tel|Cell|Seen|Per|On|In|At|For|From|To)\b)[A-Z][a-z]+(?:['’][a-z]+)?")
_CITY = _CITY_WORD + r"(?:[ \-]" + _CITY_WORD + r"){0,2}"
_STREET_NAME_WORD = r"(?!(?:AM|PM|Apt|Suite|Unit)\b)(?:[A-Z][A-Za-z'’\-]*|\d{1,3}(?:st|nd|rd|th))"

_ADDR = (
    r"(?P<addr>(?<![\w./\-#]\d)(?P<street>\d{0,5}"
    r"(?:\s+(?:[NSEW]|N[EW]|S[EW]|North|South|East|West)\.?)?"
    r"(?:\s+" + _STREET_NAME_WORD + r"){1,4}?\s+" + _SUFFIX + r"(?:\s+(?:N[EW]?|S[EW]?|E|W)\b\.?)?"
    r"(?:,?\s+(?i:apt|apartment|suite|ste|unit|rm|room|bldg|building|fl|floor|lot|spc|space|\#)\.?\s*\#?\s*"
    r"[A-Z0-9\-]{1,6}\b)?)"
    r"(?:(?:,\s*|\s+in\s+)(?P<city>" + _CITY + r")(?:,?\s+(?P<state>" + _STATE + r")\b)?"
    r"(?:,?\s+(?P<zip>\d{5}(?:-\d{4})?)(?![\w\-]))?)?)"
)
_ZIP5 = r"(?P<zip5>(?<![\w\-]\d)\d{4}(?:-\d{4})?(?![\w\-]|[.,]\d))"

_NOT_STREET_REV = re.compile(
    r"\s*" + rev_words(("level", "type", "stage", "grade", "phase", "class", "category", "tier", "room", "rm", "bed",
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
    if _NOT_STREET_REV.match(reversed_before(text, start, 16)):
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
    if _ZIP_WORD_REV.match(reversed_before(text, start, 16)):
        out.append(Detection(start, end, C.ZIP, "zip.labelled"))
        return
    token(text, m, out)


_PO_BOX = re.compile(r"(?<![\w.])(?i:p\.?\s?o\.?\s*box|post\s+office\s+box|pob)\s+\#?\d{1,6}(?![\w\-])")
_LIVES_IN = re.compile(
    r"[LlRrMmHh](?<![A-Za-z][LlRrMmHh])(?i:(?<=l)(?:ives|iving)|(?<=r)(?:esides|esiding|eside|esident\s+of"
    r"|elocated\s+from)|(?<=m)oved\s+(?:here\s+)?from|(?<=h)ome\s*town)"
    r"(?:\s+(?i:alone|here|with\s+\w+))?\s+(?:(?i:in)\s+)?(?P<city>" + _CITY + r")"
)
_NOT_CITY = frozenset(split_words(
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


def _po_boxes(text: str, probe: str, out: _Out) -> None:
    for m in _PO_BOX.finditer(text):
        out.append(Detection(m.start(), m.end(), C.ADDRESS, "address.pobox"))


RECOGNIZER = Recognizer(
    name="locations",
    order=40,
    priority={C.ADDRESS: 7, C.ZIP: 16, C.CITY: 17},
    branches=(
        Branch("addr", _ADDR, Follow.SPACE, 60, _address),
        Branch("zip5", _ZIP5, Follow.OTHER, 70, _zip),
    ),
    triggers=(
        Trigger(("box",), _po_boxes),
        Trigger(("liv", "resid", "moved", "reloc", "town"), _cities),
    ),
    field_keys={
        **dict.fromkeys(("address", "street", "street_address", "address1", "address2", "line", "address_line",
                         "address_line1", "address_line2", "home_address"), C.ADDRESS),
        **dict.fromkeys(("city", "town", "municipality"), C.CITY),
        **dict.fromkeys(("zip", "zip_code", "zipcode", "postal_code", "postcode"), C.ZIP),
        **dict.fromkeys(("state", "country"), None),
    },
    surrogates={C.ADDRESS: "_address", C.CITY: "_city"},
)
