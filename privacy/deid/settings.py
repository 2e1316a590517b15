"""De-identification settings: strategy, date shift, and the structured-field key map.

The key map says which structured fields are PHI by their key name. Keys are compared
folded (case, ``_``, ``-``, spaces and camelCase ignored), so ``patientName``,
``patient_name`` and ``Patient-Name`` are the same key. Entries in ``key_map`` add to or
override the built-in map; the value ``"none"`` marks a key as never PHI.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from privacy.deid.wordlists import WordLists, site_lists, word_lists
from privacy.phi import PhiCategory

__all__ = ["DeidSettings", "DEFAULT_KEY_MAP", "fold_key", "Strategy"]

Strategy = Literal["surrogate", "redact"]

_NOISE = re.compile(r"[\s_\-.]")


@lru_cache(maxsize=8192)
def fold_key(key: str) -> str:
    """Fold a key name so ``patientName``, ``patient_name`` and ``Patient-Name`` compare equal."""
    return _NOISE.sub("", key).casefold()


def _keys(category: PhiCategory | None, *names: str) -> dict[str, PhiCategory | None]:
    return {fold_key(n): category for n in names}


#: The built-in map from folded key to category (``None``: never PHI).
DEFAULT_KEY_MAP: dict[str, PhiCategory | None] = {
    **_keys(PhiCategory.NAME, "name", "patient_name", "first_name", "last_name", "middle_name", "given",
            "family", "given_name", "family_name", "full_name", "maiden_name", "nickname", "alias",
            "attending", "physician", "doctor", "nurse", "author", "pcp", "referring_physician",
            "provider_name", "next_of_kin", "guardian", "spouse", "mother", "father", "emergency_contact",
            "contact_name", "signed_by", "practitioner"),
    **_keys(PhiCategory.DATE, "dob", "birth_date", "date_of_birth", "birthday", "date", "admit_date",
            "admission_date", "discharge_date", "encounter_date", "visit_date", "death_date", "dod",
            "service_date", "deceased_date_time", "birth_date_time", "date_time", "timestamp"),
    **_keys(PhiCategory.MRN, "mrn", "medical_record_number", "medical_record", "chart_number", "patient_id",
            "mr_number"),
    **_keys(PhiCategory.SSN, "ssn", "social_security_number", "social_security"),
    **_keys(PhiCategory.PHONE, "phone", "telephone", "tel", "mobile", "cell", "home_phone", "work_phone",
            "phone_number", "contact_number", "pager"),
    **_keys(PhiCategory.FAX, "fax", "fax_number"),
    **_keys(PhiCategory.EMAIL, "email", "email_address", "e_mail"),
    **_keys(PhiCategory.ADDRESS, "address", "street", "street_address", "address1", "address2", "line",
            "address_line", "address_line1", "address_line2", "home_address"),
    **_keys(PhiCategory.CITY, "city", "town", "municipality"),
    **_keys(PhiCategory.ZIP, "zip", "zip_code", "zipcode", "postal_code", "postcode"),
    **_keys(PhiCategory.HEALTH_PLAN, "member_id", "insurance_id", "policy_number", "subscriber_id",
            "health_plan_id", "group_number", "plan_id", "beneficiary_id", "medicaid_id", "medicare_id"),
    **_keys(PhiCategory.ACCOUNT, "account_number", "account", "acct", "encounter_id", "visit_id",
            "billing_number", "fin", "fin_number", "claim_number"),
    **_keys(PhiCategory.LICENSE, "license", "license_number", "licence", "licence_number", "dea", "npi",
            "drivers_license"),
    **_keys(PhiCategory.DEVICE, "device_id", "serial_number", "serial", "udi", "device_serial"),
    **_keys(PhiCategory.VEHICLE, "vehicle", "license_plate", "plate", "vin", "vehicle_id"),
    **_keys(PhiCategory.URL, "url", "website", "homepage", "web"),
    **_keys(PhiCategory.IP, "ip", "ip_address", "ipv4", "ipv6"),
    **_keys(PhiCategory.FACILITY, "facility", "hospital", "clinic", "facility_name", "hospital_name",
            "organization", "practice"),
    **_keys(PhiCategory.AGE, "age", "age_years", "patient_age"),
    **_keys(None, "state", "country", "relation", "relationship", "department", "provider", "insurer",
            "gender", "sex", "specialty", "role", "status", "type", "unit"),
}


class DeidSettings(BaseModel):
    """How de-identification runs; the ``[deid]`` section of the workspace config."""

    model_config = ConfigDict(extra="forbid")

    strategy: Strategy = Field("surrogate", description="surrogate: realistic fakes; redact: [CATEGORY] tags")
    max_date_shift_days: int = Field(365, ge=1, le=3650, description="largest per-patient date shift")
    key_map: dict[str, str] = Field(
        default_factory=dict,
        description='extra key -> category entries, e.g. {"bed" = "ID", "site" = "none"}',
    )
    allow_list_pass: bool = Field(
        True, description="treat every word that no detector found and no allow-list knows as PHI (recall-first); "
                          "off, the report says recall is no longer what was measured")
    allow_words: list[str] = Field(default_factory=list, description="site words to keep: local drugs, departments")
    deny_words: list[str] = Field(
        default_factory=list,
        description='site words or phrases to always remove, optionally "<TAB>CATEGORY": hospitals, towns, staff')
    allow_words_file: Path | None = Field(None, description="a file of site words to keep, one a line")
    deny_words_file: Path | None = Field(None, description="a file of site words or phrases to remove, one a line")

    @field_validator("key_map")
    @classmethod
    def _known_categories(cls, value: dict[str, str]) -> dict[str, str]:
        allowed = {c.value for c in PhiCategory} | {"none"}
        for key, category in value.items():
            if category not in allowed:
                raise ValueError(f"key_map.{key}: {category!r} is not a PHI category or 'none'")
        return value

    @field_validator("deny_words")
    @classmethod
    def _deny_categories(cls, value: list[str]) -> list[str]:
        for entry in value:
            label = entry.partition("\t")[2].strip()
            if label and label.upper() not in PhiCategory.__members__:
                raise ValueError(f"deny_words: {label!r} is not a PHI category")
        return value

    def word_lists(self) -> WordLists:
        """The allow-list pass's word lists with this site's additions (files read now).

        An unreadable site file raises ``OSError`` naming it."""
        return word_lists(site_lists(self.allow_words, self.deny_words, self.allow_words_file, self.deny_words_file))

    def resolved_key_map(self) -> dict[str, PhiCategory | None]:
        """The built-in key map with this config's entries laid over it (keys folded)."""
        merged = dict(DEFAULT_KEY_MAP)
        for key, category in self.key_map.items():
            merged[fold_key(key)] = None if category == "none" else PhiCategory(category)
        return merged
