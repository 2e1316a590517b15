"""De-identify FHIR R4 resources and keep them valid FHIR of the same structure.

Each element is treated by its FHIR type, recognised by its key and shape: HumanName,
Address, ContactPoint and Identifier values are structured PHI; dates of every FHIR format
are shifted by the patient's offset (or cut to the year); ids and references are remapped by
a keyed HMAC (:class:`~privacy.deid.fhir_values.FhirIds`); the narrative's XHTML, base64 text
notes and other free text go through the engine's detectors with the patient's known
identifiers; codes, systems, units, statuses, URLs of extensions and ``meta`` are never PHI
and never scanned. Findings carry paths and categories, never values.

The caller (``core``) finds each resource's patient and resolves references: this module
works on plain dicts, as ``privacy`` never imports ``core``.
"""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from privacy.deid.engine import Deidentifier, Finding
from privacy.deid.fhir_values import (
    FhirIds,
    fhir_date,
    identifier_category,
    known_identifiers,
    known_values,
    map_identifier_query,
    redacted_fhir_date,
    shift_fhir_date,
    telecom_category,
)
from privacy.deid.known import KnownIdentifiers
from privacy.deid.settings import Strategy
from privacy.deid.surrogates import Replacer, redact
from privacy.phi import PhiCategory

__all__ = ["FhirContext", "FhirDeidError", "FhirDeidentifier", "FhirOutcome", "NoteCodec", "Resolver"]

#: Resolves a reference of the resource being de-identified to the resource it points to.
Resolver = Callable[[str], "dict[str, Any] | None"]

#: Keys whose string values are codes, URIs or other never-PHI values: never scanned.
_CODE_KEYS = frozenset({
    "resourceType", "system", "code", "unit", "status", "url", "currency", "use", "gender", "intent", "language",
    "contentType", "version", "versionId", "profile", "mode", "method", "priority", "criticality", "lifecycleStatus",
    "outcome", "severity", "kind", "type", "category", "valueCode", "valueUri", "valueUrl", "valueCanonical",
    "valueOid", "valueUuid", "valueId", "valueBase64Binary", "hash", "implicitRules", "instantiatesCanonical",
    "instantiatesUri", "comparator", "policy", "fullUrl", "prefix", "state", "country",
})
_PERSONS = frozenset({"Patient", "Practitioner", "RelatedPerson", "Person", "PractitionerRole"})
_PLACES = frozenset({"Organization", "Location", "HealthcareService"})
_CODING_KEYS = frozenset({"system", "version", "code", "display", "userSelected", "id", "extension"})
_TAG = re.compile(r"(<[^>]*>)")
_HONORIFIC = re.compile(r"^((?:Dr|Mr|Mrs|Ms|Miss|Prof)\.?\s+)", re.IGNORECASE)
_SHARED = "fhir-shared"  # the surrogate key of resources that belong to no patient
_IDENTIFIERS = "fhir-identifiers"  # identifier values: one mapping for every resource (conditional references)


class FhirDeidError(ValueError):
    """A resource that cannot be de-identified (a note that is not valid base64 text): the
    message names the element path, never a value."""


class NoteCodec(Protocol):
    """Reads and writes the text of a base64 attachment (``core.fhir.notes`` provides one)."""

    def decode(self, attachment: dict[str, Any]) -> str | None:
        """The attachment's text; None when it is not inline text; ValueError when undecodable."""

    def encode(self, attachment: dict[str, Any], text: str) -> dict[str, Any]:
        """A copy of the attachment holding ``text``, with ``size`` and ``hash`` updated."""


@dataclass
class FhirContext:
    """Who a resource belongs to: the surrogate key (the patient key, or a shared one), the
    identifying values free text is checked for, and the date an age is computed at."""

    key: str
    known: KnownIdentifiers
    age_reference: date
    identifier_values: frozenset[str] = frozenset()


@dataclass
class FhirOutcome:
    """A de-identified resource, where its PHI was, what a second scan still found, and its notes."""

    resource: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)
    residual: list[Finding] = field(default_factory=list)
    notes: int = 0
    attachments_skipped: int = 0


class _Walk:
    """The state of one resource's de-identification."""

    def __init__(self, owner: FhirDeidentifier, context: FhirContext, resolve: Resolver) -> None:
        self.owner = owner
        self.context = context
        self.resolve = resolve
        self.replacer: Replacer | None = owner.engine.replacer(context.key) if owner.strategy == "surrogate" else None
        self.outcome = FhirOutcome({})
        self.rtype: Any = None

    # -- replacement -------------------------------------------------------------------
    def substitute(self, category: PhiCategory, text: str) -> str:
        if text.strip().casefold() in self.context.identifier_values:
            return self.owner.identifier(category, text)
        return self.replacer.replace(category, text) if self.replacer else redact(category)

    def structured(self, path: str, category: PhiCategory, value: str, rule: str = "") -> str:
        if not value.strip():
            return value
        self.outcome.findings.append(Finding(path, 0, len(value), category, rule or f"fhir.{category.lower()}"))
        new = self.substitute(category, value)
        if self.replacer is not None and category == PhiCategory.FACILITY and new.casefold() == value.casefold():
            # a name of generic words only ("GENERAL HEALTH CARE") keeps them: a surrogate word makes it another
            words = value.split()
            head = [self.replacer.replace(PhiCategory.NAME, w) for w in words[:-1] or words]
            new = " ".join([*head, words[-1]])
        return new

    def free(self, path: str, text: str, *, markup: bool = False) -> str:
        """Free text through the detectors; with ``markup``, only the text between tags."""
        if not markup:
            return self._free_segment(path, text, escape=False)
        return "".join(part if part.startswith("<") else self._free_segment(path, part, escape=True)
                       for part in _TAG.split(text))

    def _free_segment(self, path: str, text: str, *, escape: bool) -> str:
        if not text.strip():
            return text
        engine, known = self.owner.engine, self.context.known
        detections = engine.detect_text(text, known)
        if not detections:
            if not engine.settings.allow_list_pass:  # the residual scan still asks what the pass would take
                self.outcome.residual += engine.residual(path, text, [], known)
            return text
        pieces, placed, cursor, length = [], [], 0, 0
        for det in detections:
            pieces.append(text[cursor:det.start])
            length += det.start - cursor
            new = self.substitute(det.category, text[det.start:det.end])
            new = html.escape(new, quote=False) if escape else new
            placed.append((length, length + len(new)))
            pieces.append(new)
            length += len(new)
            cursor = det.end
            self.outcome.findings.append(Finding(path, det.start, det.end, det.category, det.rule))
        pieces.append(text[cursor:])
        out = "".join(pieces)
        self.outcome.residual += engine.residual(path, out, placed, known)
        return out

    def date(self, path: str, value: str, key: str) -> str:
        if key in ("birthDate",):
            return self.birth_date(path, value)
        match = fhir_date(value)
        if match is None or match.group(2) is None:
            return value  # a year alone is not PHI
        self.outcome.findings.append(Finding(path, 0, len(value), PhiCategory.DATE, "fhir.date"))
        if self.replacer is None:
            return redacted_fhir_date(value) or value
        return shift_fhir_date(value, self.replacer.date_offset) or redacted_fhir_date(value) or value

    def birth_date(self, path: str, value: str) -> str:
        """Shifted or cut to the year; for an age over 89 at the reference date, the year that
        makes the age 90, so no age above 90 can be read."""
        match = fhir_date(value)
        try:
            born = date(int(match.group(1)), int(match.group(2) or 1), int(match.group(3) or 1)) if match else None
        except ValueError:
            born = None
        if born is None:
            return self.structured(path, PhiCategory.DATE, value)
        ref = self.context.age_reference
        age = ref.year - born.year - ((ref.month, ref.day) < (born.month, born.day))
        if age > 89:
            self.outcome.findings.append(Finding(path, 0, len(value), PhiCategory.AGE, "fhir.birthdate.over89"))
            return f"{ref.year - 90:04d}"
        return self.date(path, value, "date")

    # -- the tree ------------------------------------------------------------------------
    def value(self, node: Any, path: str, key: str, root: bool = False) -> Any:
        if isinstance(node, dict):
            return self.element(node, path, key, root)
        if isinstance(node, list):
            items = (self.value(v, f"{path}.{i}", key) for i, v in enumerate(node))
            return [v for v in items if v is not None]
        if isinstance(node, str):
            return self.string(node, path, key, root)
        return node

    def string(self, value: str, path: str, key: str, root: bool) -> str:
        if key == "id":
            return self.owner.ids.id(value) if root else value
        if key in _CODE_KEYS or key == "reference":
            return value
        match = fhir_date(value)
        if match is not None:
            return self.date(path, value, key)
        return self.free(path, value)

    def element(self, node: dict[str, Any], path: str, key: str, root: bool = False) -> dict[str, Any] | None:
        if key == "meta":
            return copy.deepcopy(node)
        if key in ("extension", "modifierExtension") and isinstance(node.get("url"), str):
            url = node["url"]
            if url.endswith("/geolocation"):
                self.outcome.findings.append(Finding(path, 0, 0, PhiCategory.ADDRESS, "fhir.geolocation"))
                return None  # latitude and longitude locate the home: dropped
            if url.endswith("mothersMaidenName") and isinstance(node.get("valueString"), str):
                out = dict(node)
                out["valueString"] = self.structured(f"{path}.valueString", PhiCategory.NAME, node["valueString"])
                return out
        if key == "text" and isinstance(node.get("div"), str):
            out = self.generic({k: v for k, v in node.items() if k != "div"}, path)
            out["div"] = self.free(f"{path}.div", node["div"], markup=True)
            return out
        if isinstance(node.get("coding"), list):
            return self.concept(node, path)
        if node.keys() <= _CODING_KEYS and ("code" in node or "display" in node):
            return copy.deepcopy(node)
        if key in ("name", "valueHumanName") or "family" in node or "given" in node:
            return self.fields(node, path, {"family": PhiCategory.NAME, "text": PhiCategory.NAME,
                                            "given": PhiCategory.NAME, "suffix": PhiCategory.NAME})
        if key in ("address", "valueAddress") or "line" in node or "postalCode" in node:
            return self.fields(node, path, {"line": PhiCategory.ADDRESS, "text": PhiCategory.ADDRESS,
                                            "city": PhiCategory.CITY, "district": PhiCategory.CITY,
                                            "postalCode": PhiCategory.ZIP})
        if key in ("telecom", "valueContactPoint") and isinstance(node.get("value"), str):
            return self.fields(node, path, {"value": telecom_category(node)})
        if key in ("identifier", "valueIdentifier") and isinstance(node.get("value"), str):
            out = self.generic({k: v for k, v in node.items() if k != "value"}, path)
            category = identifier_category(node)
            self.outcome.findings.append(Finding(f"{path}.value", 0, len(node["value"]), category, "fhir.identifier"))
            out["value"] = self.owner.identifier(category, node["value"])
            return out
        if isinstance(node.get("reference"), str) or (isinstance(node.get("display"), str) and "code" not in node):
            return self.reference(node, path)
        if isinstance(node.get("data"), str) or "contentType" in node:
            return self.attachment(node, path)
        return self.generic(node, path, root)

    def generic(self, node: dict[str, Any], path: str, root: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in node.items():
            child = f"{path}.{k}" if path else k
            if k == "contained" and isinstance(v, list):
                out[k] = [self.value(r, f"{child}.{i}", k, root=True) for i, r in enumerate(v)]
                continue
            if root and k in ("name", "alias") and self.rtype in _PLACES:
                out[k] = self.fields({k: v}, path, {k: PhiCategory.FACILITY})[k]
                continue
            new = self.value(v, child, k, root and not isinstance(v, (dict, list)))
            if new is None or (isinstance(new, list) and not new and isinstance(v, list) and v):
                continue  # an extension list left empty (geolocation dropped) goes
            out[k] = new
        return out

    def fields(self, node: dict[str, Any], path: str, categories: dict[str, PhiCategory]) -> dict[str, Any]:
        """A datatype whose named fields are structured PHI (strings or lists of strings)."""
        out = self.generic({k: v for k, v in node.items() if k not in categories}, path)
        for k, v in node.items():
            if k not in categories:
                continue
            category = categories[k]
            if isinstance(v, str):
                out[k] = self.structured(f"{path}.{k}", category, v)
            elif isinstance(v, list):
                out[k] = [self.structured(f"{path}.{k}.{i}", category, s) if isinstance(s, str) else s
                          for i, s in enumerate(v)]
            else:
                out[k] = copy.deepcopy(v)
        return {k: out[k] for k in node if k in out}  # the original key order

    def concept(self, node: dict[str, Any], path: str) -> dict[str, Any]:
        out = self.generic({k: v for k, v in node.items() if k not in ("coding", "text")}, path)
        out["coding"] = copy.deepcopy(node["coding"])
        text = node.get("text")
        if isinstance(text, str):
            shown = {str(c.get(k)) for c in node["coding"] if isinstance(c, dict) for k in ("display", "code")}
            out["text"] = text if text in shown else self.free(f"{path}.text", text)
        return {k: out[k] for k in node if k in out}

    def reference(self, node: dict[str, Any], path: str) -> dict[str, Any]:
        out = self.generic({k: v for k, v in node.items() if k not in ("reference", "display")}, path)
        ref = node.get("reference")
        target = self.resolve(ref) if isinstance(ref, str) else None
        if isinstance(ref, str):
            out["reference"] = self.owner.reference(ref, target)
        display = node.get("display")
        if isinstance(display, str):
            rtype = (target or {}).get("resourceType") or node.get("type") or \
                (ref.split("/")[-2] if isinstance(ref, str) and ref.count("/") == 1 else None)
            if rtype in _PERSONS:
                honorific = _HONORIFIC.match(display)
                head = honorific.group(1) if honorific else ""
                out["display"] = head + self.structured(f"{path}.display", PhiCategory.NAME, display[len(head):])
            elif rtype in _PLACES:
                out["display"] = self.structured(f"{path}.display", PhiCategory.FACILITY, display)
            else:
                out["display"] = self.free(f"{path}.display", display)
        return {k: out[k] for k in node if k in out}

    def attachment(self, node: dict[str, Any], path: str) -> dict[str, Any]:
        rest = {k: v for k, v in node.items() if k not in ("data", "size", "hash", "url")}
        out = self.generic(rest, path)
        if isinstance(node.get("url"), str):
            out["url"] = self.owner.ids.url(node["url"])
        if isinstance(node.get("data"), str):
            try:
                text = self.owner.notes.decode(node)
            except ValueError as exc:
                raise FhirDeidError(f"{path}: {exc}") from None
            if text is None:  # a PDF or an image: cannot be de-identified here, so it is not passed on
                self.outcome.attachments_skipped += 1
            else:
                markup = "html" in str(node.get("contentType") or "").lower() or "xml" in str(node.get("contentType"))
                new = self.free(f"{path}.data", text, markup=markup)
                encoded = self.owner.notes.encode(node, new)
                out.update({k: encoded[k] for k in ("data", "size", "hash") if k in encoded})
                self.outcome.notes += 1
        return {k: out[k] for k in node if k in out}


class FhirDeidentifier:
    """De-identifies FHIR resources with one engine, one strategy and one id key."""

    def __init__(self, engine: Deidentifier, *, strategy: Strategy, id_key: bytes, notes: NoteCodec,
                 today: date | None = None) -> None:
        """``id_key`` keys the id remapping (the secret, or random bytes per run); ``notes``
        decodes and re-encodes attachments; ``today`` is the date ages are computed at for a
        living patient (default: today)."""
        if strategy == "surrogate":
            engine.replacer(_SHARED)  # fails now, without a secret, rather than on the first resource
        self.engine = engine
        self.strategy = strategy
        self.ids = FhirIds(id_key)
        self.notes = notes
        self.today = today or date.today()

    def context(self, key: str | None, patient: dict[str, Any] | None,
                people: Iterable[dict[str, Any]] = ()) -> FhirContext:
        """The context of a patient's resources (``key`` is the patient key), or, with
        ``patient`` None, of resources that belong to none (their own values as ``people``)."""
        people = list(people)
        everyone = ([patient] if patient else []) + people
        reference = self.today
        if patient is not None:
            for name in ("deceasedDateTime", "deceasedDate"):
                match = fhir_date(str(patient.get(name) or ""))
                if match and match.group(3):
                    reference = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        identifiers = frozenset(v.strip().casefold() for r in everyone for c, v in known_values(r)
                                if c not in (PhiCategory.NAME, PhiCategory.ADDRESS, PhiCategory.CITY,
                                             PhiCategory.ZIP, PhiCategory.FACILITY, PhiCategory.PHONE,
                                             PhiCategory.FAX, PhiCategory.EMAIL, PhiCategory.URL))
        return FhirContext(key or _SHARED, known_identifiers(everyone), reference, identifiers)

    def deidentify(self, resource: dict[str, Any], context: FhirContext, resolve: Resolver) -> FhirOutcome:
        """A de-identified copy of ``resource`` (not modified), with its findings.

        Raises :class:`FhirDeidError` for a note that cannot be decoded (the path, no value)."""
        walk = _Walk(self, context, resolve)
        walk.rtype = resource.get("resourceType")
        walk.outcome.resource = walk.generic(resource, "", root=True)
        return walk.outcome

    def identifier(self, category: PhiCategory, value: str) -> str:
        """An identifier value's replacement: one mapping for every resource and patient, so a
        conditional reference (``Patient?identifier=system|value``) still finds its target."""
        if self.strategy != "surrogate":
            return redact(category)
        return self.engine.replacer(_IDENTIFIERS).replace(PhiCategory.ID, value)

    def reference(self, ref: str, target: dict[str, Any] | None = None) -> str:
        """A reference or full URL remapped. A conditional reference keeps its form with the
        identifier values mapped (surrogate); with redaction it becomes a literal reference to
        its target, as redacted values could not find it."""
        if "?" in ref and self.strategy != "surrogate":
            if target is not None and isinstance(target.get("id"), str):
                return f"{target['resourceType']}/{self.ids.id(target['id'])}"
            return ref.partition("?")[0]
        return self.ids.url(ref, self.query)

    def query(self, params: str) -> str:
        """A search query (``ifNoneExist``, a conditional reference) with identifier values mapped."""
        return map_identifier_query(params, lambda v: self.identifier(PhiCategory.ID, v))
