"""FHIR values the de-identification treats by type: dates in FHIR's own formats, resource ids
and references (remapped by keyed HMAC), identifier categories, and the identifying values
of a Patient (and the people it refers to) that free text and notes are checked for.

Works on plain resource dicts: ``privacy`` never imports ``core``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qsl, quote

from privacy.deid.known import KnownIdentifiers
from privacy.phi import PhiCategory

__all__ = ["FhirIds", "fhir_date", "identifier_category", "known_identifiers", "known_values", "map_identifier_query",
           "name_values", "redacted_fhir_date", "shift_fhir_date", "telecom_category", "year_of"]

#: FHIR date, dateTime and instant: YYYY, YYYY-MM, YYYY-MM-DD, with optional time and zone.
_FHIR_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2})(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?)?)?")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_TYPE_ID = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})((?:/_history/[^/]+)?)$")
_DIGITS = re.compile(r"\d+")

#: v2-0203 identifier type codes, and the category their value is.
_IDENTIFIER_TYPES = {
    "MR": PhiCategory.MRN, "MRT": PhiCategory.MRN, "SS": PhiCategory.SSN, "DL": PhiCategory.LICENSE,
    "PPN": PhiCategory.ID, "MB": PhiCategory.HEALTH_PLAN, "MA": PhiCategory.HEALTH_PLAN,
    "MC": PhiCategory.HEALTH_PLAN, "SN": PhiCategory.HEALTH_PLAN, "SB": PhiCategory.HEALTH_PLAN,
    "AN": PhiCategory.ACCOUNT, "ACSN": PhiCategory.ACCOUNT, "VN": PhiCategory.ACCOUNT, "PRN": PhiCategory.ID,
    "NPI": PhiCategory.ID, "LN": PhiCategory.LICENSE, "MD": PhiCategory.LICENSE, "UDI": PhiCategory.DEVICE,
    "SNO": PhiCategory.DEVICE, "TAX": PhiCategory.ID, "NIIP": PhiCategory.HEALTH_PLAN,
}
_TELECOM = {"phone": PhiCategory.PHONE, "sms": PhiCategory.PHONE, "pager": PhiCategory.PHONE,
            "fax": PhiCategory.FAX, "email": PhiCategory.EMAIL, "url": PhiCategory.URL}


def fhir_date(value: str) -> re.Match[str] | None:
    """The parts of a FHIR date, dateTime or instant (year, month, day, time+zone), or None."""
    return _FHIR_DATE.fullmatch(value)


def year_of(value: str) -> int | None:
    """The year of a FHIR date value, or None when it is not one."""
    match = _FHIR_DATE.fullmatch(value)
    return int(match.group(1)) if match else None


def shift_fhir_date(value: str, days: int) -> str | None:
    """``value`` moved by ``days`` in exactly its FHIR format (time and zone kept); None when it is
    not a FHIR date. A year alone is kept (a year is not PHI); a month moves with its 15th day."""
    match = _FHIR_DATE.fullmatch(value)
    if match is None:
        return None
    year, month, day, time = match.groups()
    if month is None:
        return value
    try:
        if day is None:
            moved = date(int(year), int(month), 15) + timedelta(days=days)
            return f"{moved.year:04d}-{moved.month:02d}"
        moved = date(int(year), int(month), int(day)) + timedelta(days=days)
    except (ValueError, OverflowError):
        return None
    return f"{moved.year:04d}-{moved.month:02d}-{moved.day:02d}" + (time or "")


def redacted_fhir_date(value: str) -> str | None:
    """``value`` reduced to what Safe Harbor allows and FHIR still accepts: the year for a date
    (valid for date and dateTime), ``YYYY-01-01T00:00:00Z`` for a value with a time (valid for
    dateTime and instant, which needs a full value). None when it is not a FHIR date."""
    match = _FHIR_DATE.fullmatch(value)
    if match is None:
        return None
    return f"{match.group(1)}-01-01T00:00:00Z" if match.group(4) else match.group(1)


def identifier_category(identifier: dict[str, Any]) -> PhiCategory:
    """The PHI category of an Identifier's value, from its type code (v2-0203) or system."""
    kind = identifier.get("type")
    for coding in (kind.get("coding") or []) if isinstance(kind, dict) else []:
        if isinstance(coding, dict) and coding.get("code") in _IDENTIFIER_TYPES:
            return _IDENTIFIER_TYPES[str(coding["code"])]
    system = str(identifier.get("system") or "")
    if system.endswith("us-ssn"):
        return PhiCategory.SSN
    return PhiCategory.ID


def telecom_category(contact: dict[str, Any]) -> PhiCategory:
    """The PHI category of a ContactPoint's value, from its ``system`` (phone by default)."""
    return _TELECOM.get(str(contact.get("system") or "phone"), PhiCategory.PHONE)


class FhirIds:
    """Remaps resource ids, full URLs and references by a keyed HMAC, the same way everywhere
    in one run, so references still resolve and no output id can be linked to a source id
    without the key. A UUID stays a UUID (``urn:uuid:`` must hold one), an OID an OID."""

    def __init__(self, key: bytes) -> None:
        """``key``: the de-identification secret, or a random per-run key."""
        self._key = hashlib.sha256(b"medsum-fhir-id\x1f" + key).digest()
        self._cache: dict[str, str] = {}

    def _digest(self, value: str) -> bytes:
        return hmac.digest(self._key, value.encode(), "sha256")

    def id(self, old: str) -> str:
        """The new logical id for ``old``."""
        new = self._cache.get(old)
        if new is None:
            digest = self._digest(old)
            if _UUID.fullmatch(old):
                new = str(uuid.UUID(bytes=digest[:16], version=4))
            else:
                new = digest.hex()[:32]
            self._cache[old] = new
        return new

    def url(self, value: str, query: Callable[[str], str] | None = None) -> str:
        """A full URL or reference remapped: ``urn:uuid:``, ``urn:oid:``, ``#contained``,
        ``Type/id`` (relative or absolute, ``_history`` kept) and, through ``query``, conditional
        ``Type?identifier=...``. Any other form becomes an opaque ``urn:uuid:`` (it cannot resolve
        here anyway, and it may hold an identifier)."""
        if value.startswith("#"):
            return "#" + self.id(value[1:]) if len(value) > 1 else value
        if value.startswith("urn:uuid:"):
            return "urn:uuid:" + self.id(value[len("urn:uuid:"):])
        if value.startswith("urn:oid:"):
            return "urn:oid:2.25." + str(int.from_bytes(self._digest("oid\x1f" + value)[:16], "big"))
        if "?" in value:
            base, _, params = value.partition("?")
            return f"{base}?{query(params)}" if query else base
        match = _TYPE_ID.search(value)
        if match:
            start = match.start(2)
            return value[:start] + self.id(match.group(2)) + match.group(3)
        if re.fullmatch(r"[A-Z][A-Za-z]+", value):
            return value  # a type alone (a transaction's POST url)
        return "urn:uuid:" + self.id(value)


def map_identifier_query(params: str, value_map: Callable[[str], str]) -> str:
    """A search query with each ``identifier`` value (``system|value`` or ``value``) mapped."""
    out = []
    for name, value in parse_qsl(params, keep_blank_values=True):
        if name == "identifier":
            system, bar, code = value.partition("|")
            value = f"{system}|{value_map(code)}" if bar else value_map(value)
        else:
            value = value_map(value)
        out.append(f"{quote(name, safe='')}={quote(value, safe='|:/.-_')}")
    return "&".join(out)


def _bare(text: str) -> str:
    return " ".join(_DIGITS.sub("", text).split())


def name_values(name: Any) -> list[str]:
    """A HumanName's parts, whole, and without the digits Synthea appends ("Alberto639")."""
    if not isinstance(name, dict):
        return []
    parts = [p for p in [*(name.get("given") or []), name.get("family"), name.get("text")] if isinstance(p, str)]
    parts += [p for p in name.get("suffix") or [] if isinstance(p, str)]
    parts = [p for p in parts if p.strip()]
    values = parts + ([" ".join(parts)] if len(parts) > 1 else [])
    values += [_bare(v) for v in values if _bare(v) and _bare(v) != v]
    return list(dict.fromkeys(values))


def known_values(resource: dict[str, Any]) -> Iterable[tuple[PhiCategory, str]]:
    """The identifying values a Patient, Practitioner, RelatedPerson, Organization or Location
    holds, for matching in free text: names (with and without Synthea digits), addresses,
    telecom, identifiers, birth place, mother's maiden name, facility names."""
    rtype = resource.get("resourceType")
    names = resource.get("name")
    if rtype in ("Organization", "Location") and isinstance(names, str):
        yield PhiCategory.FACILITY, names
    for name in names if isinstance(names, list) else []:
        for value in name_values(name):
            yield PhiCategory.NAME, value
    contacts = [c for c in resource.get("contact") or [] if isinstance(c, dict)]
    for contact in contacts:
        for value in name_values(contact.get("name")):
            yield PhiCategory.NAME, value
    addresses = resource.get("address")
    addresses = addresses if isinstance(addresses, list) else [addresses]
    addresses += [c.get("address") for c in contacts]
    telecoms = list(resource.get("telecom") or []) + [t for c in contacts for t in c.get("telecom") or []]
    for extension in resource.get("extension") or []:
        if not isinstance(extension, dict):
            continue
        if isinstance(extension.get("valueAddress"), dict):
            addresses.append(extension["valueAddress"])
        if isinstance(extension.get("valueString"), str) and str(extension.get("url", "")).endswith("mothersMaidenName"):
            yield PhiCategory.NAME, extension["valueString"]
    for address in addresses:
        if isinstance(address, dict):
            for line in address.get("line") or []:
                if isinstance(line, str):
                    yield PhiCategory.ADDRESS, line
            for key, category in (("text", PhiCategory.ADDRESS), ("city", PhiCategory.CITY),
                                  ("district", PhiCategory.CITY), ("postalCode", PhiCategory.ZIP)):
                if isinstance(address.get(key), str):
                    yield category, address[key]
    for telecom in telecoms:
        if isinstance(telecom, dict) and isinstance(telecom.get("value"), str):
            yield telecom_category(telecom), telecom["value"]
    for ident in resource.get("identifier") or []:
        if isinstance(ident, dict) and isinstance(ident.get("value"), str):
            yield identifier_category(ident), ident["value"]


def known_identifiers(resources: Iterable[dict[str, Any]]) -> KnownIdentifiers:
    """A matcher for the identifying values of ``resources`` (a patient and the people and
    places its resources refer to)."""
    known = KnownIdentifiers()
    for resource in resources:
        for category, value in known_values(resource):
            known.add(category, value)
    return known
