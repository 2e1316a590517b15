"""The PHI categories MedSum detects, one per HIPAA Safe Harbor identifier family.

Synthetic gold spans, detectors, reports and replacements all speak these names, so a
category means the same thing everywhere.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["PhiCategory"]


class PhiCategory(StrEnum):
    """A kind of protected health information (its value is the label used in files)."""

    NAME = "NAME"  # people: patients, relatives, clinicians
    DATE = "DATE"  # any date element other than the year alone
    AGE = "AGE"  # ages over 89
    PHONE = "PHONE"
    FAX = "FAX"
    EMAIL = "EMAIL"
    SSN = "SSN"
    MRN = "MRN"  # medical record numbers
    ACCOUNT = "ACCOUNT"  # account and encounter numbers
    HEALTH_PLAN = "HEALTH_PLAN"  # insurance member / plan ids
    LICENSE = "LICENSE"  # licence and certificate numbers
    DEVICE = "DEVICE"  # device identifiers and serial numbers
    VEHICLE = "VEHICLE"  # vehicle ids and plates
    URL = "URL"
    IP = "IP"
    ADDRESS = "ADDRESS"  # street address
    CITY = "CITY"
    ZIP = "ZIP"
    FACILITY = "FACILITY"  # hospital and clinic names
    ID = "ID"  # any other unique identifying number or code
    UNKNOWN = "UNKNOWN"  # a word no detector named and no allow-list knows (the allow-list pass)
