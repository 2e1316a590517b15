"""Street addresses, PO boxes, rural routes and numbered roads ("1180 RT 6"), and the cities and
ZIP codes written with them.

A street address (``123 Main St., Apt 4``, ``1600 Pennsylvania Ave NW``) is a branch of the
number scan: a house number, up to four capitalised words and a street suffix, optionally
followed by a city, a state and a ZIP code, each reported in its own category. The same holds
in any case for the unambiguous suffixes (``st``, ``rd``, ``ave``, ``lane``, ``drive``...):
``14 quarry hill rd``, ``1421 n 7th st apt b``, ``1120 BLACK CREEK RD``. The other suffixes
count in lower case only where the rest of an address follows (a unit, a town and a state, a
ZIP code; the end of the line too, but not for those that are also clinical words: ``ct``,
``pt``, ``dr``), and every suffix counts after an address word (``lives at 300 oak dr``). A
house number that a lower-case word follows is found by a scan of its own, run when a digit and
a blank occur. A town in title case after the street is taken as it is; in any other case it
must end where a town ends (before a state, a ZIP code or a pause: ``3 railroad ave, exeter
18643``). Words of a sentence (``in``, ``the``, ``with``, units) are never part of a street's
or a town's name.

A five-digit number is a ZIP code after a state (in lower case, a two-letter state that is
also a word needs a town and a comma before it: ``lake ariel, pa 18436``), after the word
"zip", or at the end of an address (a four-digit postcode after a town at the end of a line
too); otherwise it is left to the identifier catch-all. PO boxes and rural routes (``RR 2 BOX
418``, ``HC 3 Box 12``) run only when ``box`` occurs, with the town and ZIP code after them; a
city after ``lives in`` / ``resides in`` / ``moved from``, and a street without its number
after ``lives on`` / ``lives at``, only when one of those words does. State names and
countries are not PHI.
"""

from __future__ import annotations

import re

from privacy.deid.protect import is_protected
from privacy.deid.recognizers.base import Branch, Detection, Follow, Recognizer, Trigger
from privacy.deid.recognizers.ids import token
from privacy.deid.recognizers.text import rev_words, reversed_before, split_words, trie, unit_follows
from privacy.phi import PhiCategory as C

__all__ = ["RECOGNIZER", "STATE_CODES"]

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
# Words that are never part of a street's or a town's name.
_NOT_NAME = split_words(
    "a an the of in on at to for and or with w x per from by is was are be his her its their my our your this that "
    "these those am pm apt apartment suite unit no not via than then q po iv im prn bid tid qid daily mg mcg ml cc "
    "units tabs days weeks months years hours hrs mins times pt patient pts he she they we i who which where when "
    "lives living resides lived home dr mr mrs ms call cell phone fax tel seen per daughter son wife husband mother "
    "father sister brother family dtr friend alone here there up down out over under after before since until")
# "2 mm ST elevation": the ST segment of an ECG, not a street
_NOT_ECG = r"(?!\s+(?i:elevations?|depressions?|segments?|seg|changes?|waves?|abnormalit\w*)\b)"
_SUFFIX = (r"(?:(?i:" + trie([w.lower() for w in _SUFFIX_WORDS]) + r")\b"
           r"|(?:" + "|".join(sorted(_STREET_ABBR, key=len, reverse=True)) + r")(?:\.|\b)"
           r"|Dr(?:\.(?!\s+[A-Z][a-z])|\b(?!\.))"  # "Elm Dr" but not "... Dr. Smith"
           r"|(?:" + "|".join(sorted(_STREET_ABBR_CAPS, key=len, reverse=True)) + r")\b)" + _NOT_ECG)
_STATES = split_words("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM "
                      "NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP FM MH PW AA AE AP")
#: US state and territory postal codes (a state is not PHI under Safe Harbor).
STATE_CODES = frozenset(code.lower() for code in _STATES)
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
_STREET_NAME_WORD = (r"(?!(?:AM|PM|Apt|Suite|Unit)\b|(?i:" + trie(list(_NOT_NAME)) + r")(?![\w'’\-]))"
                     r"(?:[A-Z][A-Za-z'’\-]*|\d{1,3}(?:st|nd|rd|th))")

# --- the same, in any case ----------------------------------------------------------------------
# Street suffixes that name a street in any case ("14 quarry hill rd", "1120 BLACK CREEK RD"):
# the unambiguous ones only ("ct" is a scan, "dr" a doctor, "pt" a patient, "sq" a unit).
_STRICT_SUFFIXES = split_words(
    "st street rd road ave av avenue blvd boulevard ln lane drive pl place ter terr terrace hwy highway pkwy parkway "
    "pike way row trl trail tpke turnpike court circle")
_STRICT_SUFFIX = (r"(?:(?i:" + trie(list(_STRICT_SUFFIXES)) + r")(?:\.(?!\d)|(?![\w'’\-]))" + _NOT_ECG
                  + r"|(?i:dr)\.?(?=[ \t]*(?:[,;]|\n|$|\.(?:\s|$))))")  # "300 oak dr, scranton", not "dr smith"
_NAME_CI_WORD = r"(?<![\w'’\-])(?!(?i:" + trie(list(_NOT_NAME)) + r")(?![\w'’\-]))(?:[A-Za-z][A-Za-z'’\-]*|\d{1,3}(?i:st|nd|rd|th))"
_DIRECTION_CI = r"(?i:[nsew]|n[ew]|s[ew]|north|south|east|west)\.?"
_CITY_CI_WORD = r"(?!(?i:" + trie(list(_NOT_NAME)) + r")(?![\w'’\-]))[A-Za-z][A-Za-z'’]*"
_CITY_CI = r"(?<![\w'’\-])" + _CITY_CI_WORD + r"(?:[ \-]" + _CITY_CI_WORD + r"){0,2}"
_STATE_CODES_LOWER = r"(?:" + "|".join(code.lower() for code in _STATES) + r")"
_STATE_NAME_CI = r"(?i:" + "|".join(sorted(_STATE_NAMES, key=len, reverse=True)) + r")"
# A town in any case must end where a town ends: before a state, a ZIP code or a pause.
_PAUSE = r"[ \t]*(?:[.,;:)\]]|\n|$)"
_CITY_END = (r"(?=,?\s+(?:" + _STATE_NAME_CI + r"|(?i:" + "|".join(_STATES) + r"))(?=,?\s+\d{5}(?![\w\-])|" + _PAUSE
             + r")|,?\s+\d{4,5}(?![\w\-])|" + _PAUSE + r")")

# Any other suffix in any case ("9584 yolanda inlet", "12 maple ridge"): only where the rest of
# an address follows (a unit, a town and a state or ZIP code, a ZIP code) or the line ends.
_BROAD_SUFFIX_CI = (r"(?i:" + trie([w.lower() for w in _SUFFIX_WORDS] + [w.lower() for w in _STREET_ABBR
                                                                        if w not in ("Ct", "Pt", "Is", "Sq", "Tr", "Cv")])
                    + r")(?:\.(?!\d)|(?![\w'’\-]))")
_STRONG_AFTER = (
    r"(?:\s+(?i:n[ew]?|s[ew]?|e|w)\b\.?)?(?:,?\s+(?i:apt|apartment|suite|ste|unit|rm|room|bldg|building|fl|floor"
    r"|lot|\#)\b|,?\s+\d{1,2}(?i:st|nd|rd|th)\s+(?i:fl|floor)\b|,[ \t]*[A-Za-z][^\n,]{0,30},[ \t]*(?:"
    + _STATE_NAME_CI + r"|(?i:" + "|".join(_STATES) + r"))\b|,[ \t]*[A-Za-z][^\n,]{0,30}?[ \t,]\d{5}(?![\w\-])"
    r"|,?[ \t]+\d{5}(?![\w\-])"
    r"|\s+(?i:in)[ \t]+[A-Za-z][A-Za-z'’ \-]{0,30}?(?:,?[ \t]+(?:" + _STATE_NAME_CI + r"|(?i:" + "|".join(_STATES)
    + r"))\b|,?[ \t]+\d{5}(?![\w\-])))"
)
_ADDRESS_AFTER = r"(?=" + _STRONG_AFTER + r"|,[ \t]*[A-Za-z][A-Za-z'’ \-]{0,30}(?:[.;)]|\n|$)|[ \t]*(?:\n|$))"
# The suffixes that are also clinical words ("ct", "pt", "dr", "cir", "sq"), in any case: only
# where a unit, a town and a state, or a ZIP code follows.
_AMBIGUOUS_SUFFIX_CI = r"(?i:ct|pt|dr|cir|sq|tr|cv|is)\.?"
_ADDRESS_STRONG = r"(?=" + _STRONG_AFTER + r")"
# After the suffix: a direction ("NW") and a unit ("apt 3", "Suite 4", "2nd fl").
_AFTER_STREET = (
    r"(?:\s+(?:N[EW]?|S[EW]?|E|W|(?i:n[ew]|s[ew])|(?i:[nsew])(?=[ \t]*(?:[,.;)]|\n|$)))\b\.?)?"
    r"(?:,?\s+(?i:apt|apartment|suite|ste|unit|rm|room|bldg|building|fl|floor|lot|spc|space|\#)\.?\s*\#?\s*"
    r"(?:\d[A-Za-z0-9\-]{0,5}|[A-Za-z]\d{0,4})\b|,?\s+\d{1,2}(?i:st|nd|rd|th)\s+(?i:fl|floor)\b\.?)?"
)
# The street: a house number, a direction, up to four name words and a suffix (then perhaps a
# second suffix: "Black Creek Rd", "Cobb Mill Road"), a direction, and a unit ("apt 3", "2nd fl").
_STREET_BODY_CI = (
    r"(?:\s+" + _DIRECTION_CI + r")?(?:\s+" + _NAME_CI_WORD + r"){1,4}?\s+(?:" + _STRICT_SUFFIX
    + r"(?:\s+" + _STRICT_SUFFIX + r")?|" + _BROAD_SUFFIX_CI + r"(?:\s+(?:" + _STRICT_SUFFIX + r"|"
    + _BROAD_SUFFIX_CI + r"))?" + _ADDRESS_AFTER + r"|" + _AMBIGUOUS_SUFFIX_CI + _ADDRESS_STRONG + r")"
)
_STREET_BODY = (
    r"(?:(?:\s+(?:[NSEW]|N[EW]|S[EW]|North|South|East|West)\.?)?"
    r"(?:\s+" + _STREET_NAME_WORD + r"){1,4}?\s+" + _SUFFIX + r"(?:\s+" + _SUFFIX + r")?"
    r"|" + _STREET_BODY_CI + r")" + _AFTER_STREET
)
# After a street or a rural route: the town, the state and the ZIP code, each optional. A town
# in title case is taken as it is; in any other case it must end where a town ends.
_TAIL = (
    r"(?:(?:,\s*|\s+(?i:in)\s+)(?P<city>" + _CITY + r"|" + _CITY_CI + _CITY_END + r")"
    r"(?:,?\s+(?P<state>" + _STATE + r"|" + _STATE_NAME_CI + r"|" + _STATE_CODES_LOWER + r"(?=,?\s+\d{5}))\b)?)?"
    r"(?:,?\s+(?P<zip>\d{5}(?:-\d{4})?(?![\w\-])|(?(city)\d{4}(?=[ \t]*(?:\n|$))|(?!))))?"  # "Otaki 5512"
)
_ADDR = r"(?P<addr>(?<![\w./\-#]\d)(?P<street>\d{0,5}" + _STREET_BODY + r")" + _TAIL + r")"
# The same from the digit, for a house number followed by a lower-case word, which the number
# scan's branch does not visit ("3 railroad ave", "1421 n 7th st"). Only the any-case half of
# the street body: its title-case half needs a capital or a digit right after the blanks that
# follow the number (every one of its words and directions starts with one, case-sensitively),
# and the look-ahead puts a lower-case letter there, so it never matches here.
_ADDR_LOWER = re.compile(r"(?P<street>[0-9](?<![\w./\-#][0-9])(?=\d{0,5}[ \t]+[a-z])\d{0,5}(?:" + _STREET_BODY_CI
                         + r")" + _AFTER_STREET + r")" + _TAIL)
# After a word that says an address follows ("lives at", "address:", "home:"), any suffix in any
# case makes a street, with nothing after it ("lives at 300 oak dr with wife").
_ADDR_CUED = re.compile(
    r"(?P<street>\d{1,6}(?:\s+" + _DIRECTION_CI + r")?(?:\s+" + _NAME_CI_WORD + r"){1,4}?\s+(?:" + _STRICT_SUFFIX
    + r"|" + _BROAD_SUFFIX_CI + r"|" + _AMBIGUOUS_SUFFIX_CI + r"(?![\w'’\-]))(?:\s+(?:" + _STRICT_SUFFIX + r"|"
    + _BROAD_SUFFIX_CI + r"))?" + _AFTER_STREET + r")" + _TAIL
)
_ADDRESS_CUE = re.compile(
    r"(?:liv(?:es|ing|ed)\s+(?:at|on)|resid(?:es|ing|e)\s+at|resident\s+of|(?:moved|relocated)\s+to"
    r"|(?:home\s+|mailing\s+)?address(?:\s+is)?|home(?:\s+at)?|mail(?:ing\s+address|\s+to)|send\s+to|located\s+at"
    r"|discharged?\s+to)[ \t:#,\-]*(?=\d)"
)
# The first letters of every cue (each is looked for with str.find; "home" also finds "home address").
_CUE_KEYS = ("liv", "resid", "moved", "reloc", "address", "home", "mail", "send", "located", "discharg")
_ZIP5 = r"(?P<zip5>(?<![\w\-]\d)\d{4}(?:-\d{4})?(?![\w\-]|[.,]\d))"

_NOT_STREET_REV = re.compile(
    r"\s*" + rev_words(("level", "type", "stage", "grade", "phase", "class", "category", "tier", "room", "rm", "bed",
                        "floor", "unit", "step", "day", "week", "year", "age", "version", "no", "number", "x",
                        "times", "take", "took", "gave", "had", "has", "have")) + r"(?![a-z])"
)
# Words before a number of things ("2 to 3 Tylenol Extra Strength"): not before a street whose
# suffix says it is one ("home to 881 n washington st").
_QUANTITY_BEFORE_REV = re.compile(
    r"\s*" + rev_words(("of", "for", "about", "approximately", "with", "and", "or", "to", "from", "over", "under"))
    + r"(?![a-z])"
)
_STRICT_IN = re.compile(r"\s" + _STRICT_SUFFIX)
_STATE_BEFORE = re.compile(
    r"(?:(?P<city>" + _CITY + r"|(?<![\w'’\-])" + _CITY_CI_WORD + r"(?:[ \-]" + _CITY_CI_WORD
    + r")?),?\s+)?(?<![\w])(?P<state>"
    + _STATE_NAME_CI + r"|" + "|".join(_STATES) + r")\.?,?\s+\Z"
)
# In lower case a two-letter state is a word ("or", "in", "me") unless a comma and a town stand
# before it: "lake ariel, pa 18436".
_STATE_BEFORE_LOWER = re.compile(
    r"(?P<city>(?<![\w'’\-])" + _CITY_CI_WORD + r"(?:[ \-]" + _CITY_CI_WORD + r")?),\s*(?P<state>" + _STATE_CODES_LOWER
    + r")\.?,?\s+\Z"
)
# Two-letter states that are English words: in lower case, only after a town and a comma.
_STATE_WORDS = frozenset({"in", "or", "me", "oh", "ok", "hi", "as", "id", "de", "la", "al", "ma", "mo", "co", "ga",
                          "ms", "md", "ne", "pa", "ca"})
_STATE_BEFORE_LOWER_BARE = re.compile(
    r"(?P<city>(?<![\w'’\-])" + _CITY_CI_WORD + r"(?:[ \-]" + _CITY_CI_WORD + r")?)[ \t]+(?P<state>"
    + _STATE_CODES_LOWER + r")[ \t]+\Z"
)
_STATE_SET = frozenset(_STATES)
_STATE_NAME_ENDS_LOWER = tuple(name.split()[-1].lower() for name in _STATE_NAMES)
_ZIP_WORD_REV = re.compile(r"\s*[:#]?\s*(?:si\s+)?(?:edoc\s*piz|piz|edoc\s+latsop)(?![a-z])")


_ABBR_DOT_END = re.compile(r"\b(?i:" + "|".join(_STREET_ABBR) + r"|Dr)\.\Z")


def _address(text: str, m: re.Match[str], out: _Out) -> None:
    start, end = m.start(), m.end("street")
    before = reversed_before(text, start, 16)
    if _NOT_STREET_REV.match(before) or (_QUANTITY_BEFORE_REV.match(before) and not _STRICT_IN.search(text, start, end)):
        return
    number = start
    while text[number].isdigit():
        number += 1
    if unit_follows(text, number):
        return  # "3 hour drive", "2 mm ST"
    if text[end - 1] == "." and not _ABBR_DOT_END.search(text, start, end):
        end -= 1
    out.append(Detection(start, end, C.ADDRESS, "address.street"))
    _town_and_zip(m, out, "street")


def _town_and_zip(m: re.Match[str], out: _Out, after: str) -> None:
    """The town and the ZIP code of an address match's tail."""
    if m.group("city"):
        out.append(Detection(m.start("city"), m.end("city"), C.CITY, f"city.after_{after}"))
    if m.group("zip"):
        out.append(Detection(m.start("zip"), m.end("zip"), C.ZIP, f"zip.after_{after}"))


def _streets_in_lower_case(text: str, probe: str, out: _Out) -> None:
    """Street addresses whose house number a lower-case word follows (the number scan's branch
    visits those that a capital or a digit follows), and those after an address word."""
    for m in _ADDR_LOWER.finditer(text):
        _address(text, m, out)
    for key in _CUE_KEYS:  # the words found with str.find, the cue read where one starts
        if key not in probe:  # "in" is cheaper than a find() call, and most texts hold no cue
            continue
        i = probe.find(key)
        while i >= 0:
            cue = _ADDRESS_CUE.match(probe, i) if i == 0 or not probe[i - 1].isalpha() else None
            i = probe.find(key, i + len(key))
            if cue is None:
                continue
            start = cue.end()
            m = _ADDR_CUED.match(text, start)
            if m is not None and not any(d.start == start and d.category is C.ADDRESS for d in out):
                _address(text, m, out)


def _zip(text: str, m: re.Match[str], out: _Out) -> None:
    start, end = m.span()
    before = text[max(0, start - 24):start].rstrip(" ,.")
    last = before[-2:] if len(before) >= 2 else ""
    if (last.upper() in _STATE_SET and (len(before) == 2 or not before[-3].isalnum())) \
            or before.lower().endswith(_STATE_NAME_ENDS_LOWER):
        state = _STATE_BEFORE.search(text, max(0, start - 60), start)
        if state is None and last.islower():
            state = _STATE_BEFORE_LOWER.search(text, max(0, start - 60), start)  # "lake ariel, pa 18436"
            if state is None and last not in _STATE_WORDS:
                state = _STATE_BEFORE_LOWER_BARE.search(text, max(0, start - 60), start)  # "scranton pa 18505"
        if state is not None:
            out.append(Detection(start, end, C.ZIP, "zip.state"))
            if state.group("city"):
                out.append(Detection(state.start("city"), state.end("city"), C.CITY, "city.state_zip"))
            return
    if _ZIP_WORD_REV.match(reversed_before(text, start, 16)):
        out.append(Detection(start, end, C.ZIP, "zip.labelled"))
        return
    token(text, m, out)


# A PO box, or a rural route and its box ("RR 2 BOX 418", "RD 1 Box 77", "HC 3 Box 12"), then the
# town, state and ZIP code that follow.
_PO_BOX = re.compile(
    r"(?<![\w.])(?P<street>(?i:p\.?\s?o\.?\s*box|post\s+office\s+box|pob)\s+\#?\d{1,6}"
    r"|(?i:r\.?\s?r\.?|rd|rte|rural\s+route|hc|hcr|star\s+route)\s*\#?\s*\d{1,3},?\s+(?i:box)\s*\#?\s*\d{1,6})"
    r"(?![\w\-])" + _TAIL
)
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


# A street without its number, where a person lives: "lives alone on Brick Row Rd in Nicholson".
_LIVES_ON = re.compile(
    r"(?i:liv(?:es|ing)|resides?|residing)(?:\s+(?i:alone|here|with\s+\w+))?\s+(?i:on|at)"
    r"(?P<street>(?:\s+" + _NAME_CI_WORD + r"){1,3}?\s+" + _STRICT_SUFFIX + r"(?:\s+" + _STRICT_SUFFIX + r")?)"
    r"(?:\s+(?i:in)\s+(?P<city>" + _CITY + r"|" + _CITY_CI + _CITY_END + r"))?"
)
_LIVES_KEYS = ("liv", "resid", "moved", "reloc", "hometown", "home town")


# A street named without its number after "on" ("Koreatown Pharmacy on Western Ave", "found on
# High St near", "walgreens on washington st", "JIFFY LUBE ON RT 1"): only the suffixes that are
# never an English word after "on" ("on her way", "on the drive home" stay).
_ON_SUFFIX = (r"(?i:st|street|ave|av|avenue|rd|road|blvd|boulevard|ln|lane|hwy|highway|pkwy|parkway|tpke|turnpike"
              r"|pike|trl)(?:\.(?!\d)|(?![\w'’\-]))" + _NOT_ECG)
# Written to start at the letter "o" (a regex that starts with a look-behind gets no fast scan
# for its first character): "o" or "O", then the look-behind on the character before it, then
# "n" or "N". (?i:on) matches nothing else: no other character folds to "o" or "n".
_ON_STREET = re.compile(
    r"[oO](?<![\w'’].)[nN][ \t]+(?P<street>(?:" + _DIRECTION_CI + r"[ \t]+)?" + _NAME_CI_WORD
    + r"(?:[ \t]+" + _NAME_CI_WORD + r"){0,2}?[ \t]+" + _ON_SUFFIX
    + r"(?:[ \t]+(?i:[nsew]|n[ew]|s[ew])\.?(?![\w'’\-]))?"
    + r"|(?P<road>(?i:rt|rte|route|hwy|highway)\.?[ \t]*\d{1,4}[a-z]?(?![\w/\-]|[.,]\d)))")


# Where _ON_STREET can start: its "o", "n" and blank or tab, lower-cased. No other character
# lower-cases to any of them, and the probe keeps the text's offsets, so these are exactly the
# places in the probe where the text has [oO][nN][ \t].
_ON_KEYS = ("on ", "on\t")


def _streets_on(text: str, probe: str, out: _Out) -> None:
    """``_ON_STREET.finditer(text)``, tried only where an "on" and a blank start (found with
    str.find, :data:`_ON_KEYS`) instead of at every "o": the match at each such place, skipping
    those that start inside the previous match, as finditer does. Matched on ``text``, not on
    the probe: the pattern is case-sensitive in places ("RT 6A")."""
    starts: list[int] = []
    for key in _ON_KEYS:
        i = probe.find(key)
        while i >= 0:
            starts.append(i)
            i = probe.find(key, i + 3)
    if len(starts) > 1:
        starts.sort()  # the keys never start at the same place
    end = 0
    for i in starts:
        if i < end:
            continue
        m = _ON_STREET.match(text, i)  # its look-behind still sees the text before i
        if m is None:
            continue
        end = m.end()  # never empty: it holds its "on"
        if m.group("road") or not any(is_protected(w) for w in m.group("street").split()[:-1]):  # "on aspirin st"
            out.append(Detection(m.start("street"), m.end("street"), C.ADDRESS, "address.on_street"))


def _cities(text: str, probe: str, out: _Out) -> None:
    for key in _LIVES_KEYS:
        if key not in probe:  # cheaper than a find() call
            continue
        i = probe.find(key)
        while i >= 0:
            at = i
            m = _LIVES_IN.match(text, i) if i == 0 or not probe[i - 1].isalpha() else None
            i = probe.find(key, i + 3)
            if m is None:
                if key in ("liv", "resid") and (at == 0 or not probe[at - 1].isalpha()):
                    _street_lived_on(text, at, out)
                continue
            _city(m, out)


def _street_lived_on(text: str, at: int, out: _Out) -> None:
    m = _LIVES_ON.match(text, at)
    if m is None:
        return
    out.append(Detection(m.start("street") + 1, m.end("street"), C.ADDRESS, "address.lives_on"))
    if m.group("city"):
        out.append(Detection(m.start("city"), m.end("city"), C.CITY, "city.after_street"))


def _city(m: re.Match[str], out: _Out) -> None:
    city = m.group("city")
    if city.split()[0] in _NOT_CITY or city in _STATE_NAMES:
        return
    out.append(Detection(m.start("city"), m.end("city"), C.CITY, "city.lives_in"))


# A house on a numbered road: "1180 RT 6", "22 Route 9W", "4410 state hwy 29", "88 County Rd 12" (not "HR 80
# SR 1" or "BUN 20 CR 1": sinus rhythm and creatinine); a rural grid number keeps its letter and a
# county road may be lettered ("W5521 COUNTY RD KK", "N1185 hwy 73").
# Written to start at its first digit, so the regex engine skips to digits: "\d" and then the
# look-behinds on the character before that digit, then up to five more digits (the same as a
# look-behind followed by "\d{1,6}").
_NUMBERED_ROAD = re.compile(
    r"\d(?:(?<![\w./\-]\d)|(?<=[NSEWnsew]\d))\d{0,5}[ \t]+(?i:(?:state|(?P<county>county|cty)|us|u\.s\.)[ \t\-]*)?"
    r"(?i:rt|rte|route|hwy|highway|road|rd)\.?[ \t\-]*\#?[ \t]*"
    r"(?:\d{1,4}[a-zA-Z]?|(?(county)[A-Za-z]{1,2}|(?!)))(?![\w/\-]|[.,]\d)"
)
# A street whose type comes first, as Spanish names have it: "3107 calle de las brisas".
# Written to start at its first digit (see _NUMBERED_ROAD).
_TYPE_FIRST_STREET = re.compile(
    r"\d(?<![\w./\-]\d)\d{0,5}[ \t]+(?i:calle|camino|avenida)(?:[ \t]+[A-Za-z][A-Za-z'’\-]*){1,4}"
    r"(?=[ \t]*(?:[,;.]|\r?\n|\Z))"
)


def _numbered_roads(text: str, probe: str, out: _Out) -> None:
    for m in _NUMBERED_ROAD.finditer(text):
        start = m.start()
        if start and text[start - 1].isalpha():  # a grid letter ("W5521"): alone, before 3 to 6 digits
            if start > 1 and (text[start - 2].isalnum() or text[start - 2] in "./-") \
                    or not 3 <= len(m.group().split()[0]) <= 6:
                continue
            start -= 1
        out.append(Detection(start, m.end(), C.ADDRESS, "address.numbered_road"))


def _type_first_streets(text: str, probe: str, out: _Out) -> None:
    for m in _TYPE_FIRST_STREET.finditer(text):
        out.append(Detection(m.start(), m.end(), C.ADDRESS, "address.type_first"))


def _po_boxes(text: str, probe: str, out: _Out) -> None:
    for m in _PO_BOX.finditer(text):
        out.append(Detection(m.start(), m.end("street"), C.ADDRESS, "address.pobox"))
        _town_and_zip(m, out, "box")


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
        # the road's word after a blank, tab or hyphen: not every "rd" of "record" and "3rd"
        Trigger((" rt", " route", " hwy", " highway", " rd", " road", "-r", "-h", "\tr", "\th"), _numbered_roads),
        # a house number and a blank: most short values (dates, codes, names) have none
        Trigger(tuple(f"{d} " for d in "0123456789"), _streets_in_lower_case),
        Trigger(("liv", "resid", "moved", "reloc", "town"), _cities),
        Trigger(("on ",), _streets_on),
        Trigger(("calle", "camino", "avenida"), _type_first_streets),
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
