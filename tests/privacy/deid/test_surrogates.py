"""Surrogate generation: the keyed hash, and surrogates pinned across versions."""

from __future__ import annotations

import re

import hmac

import pytest

from privacy.deid.surrogates import Replacer, _HmacSha256
from privacy.phi import PhiCategory as C


@pytest.mark.parametrize("key", [b"", b"k" * 32, b"x" * 64, b"long key " * 20])
@pytest.mark.parametrize("message", [b"", b"NAME\x1fsmith", "DATE\x1f03/14/2021 ü".encode() * 40])
def test_precomputed_hmac_equals_the_standard_one(key: bytes, message: bytes) -> None:
    assert _HmacSha256(key).digest(message) == hmac.digest(key, message, "sha256")
    mac = _HmacSha256(key)
    assert mac.digest(message) == mac.digest(message)  # the prepared states are not consumed


# Computed with the first release's code: a site that de-identifies again with the same secret
# gets the same surrogates, so datasets made in different versions still line up.
PINNED = [
    (C.NAME, "Maria Lopez", "Jennifer Sutton"),
    (C.PHONE, "(555) 234-5678", "(821) 862-6286"),
    (C.DATE, "03/14/2021", "03/17/2020"),
    (C.MRN, "MRN-4471902", "NYZ-4861603"),
    (C.EMAIL, "maria.lopez@gmail.com", "albert68@gmail.com"),
    (C.CITY, "Springfield", "Romanmouth"),
]


def test_surrogates_are_stable_across_versions() -> None:
    replacer = Replacer(b"pinned-secret-for-this-test-0001", "patient-17")
    assert replacer.date_offset == -362
    assert [replacer.replace(category, text) for category, text, _ in PINNED] == [s for _, _, s in PINNED]


def test_dates_the_shift_cannot_read_get_date_shaped_surrogates() -> None:
    from privacy.deid.surrogates import Replacer
    from privacy.phi import PhiCategory

    replacer = Replacer(b"k" * 32, "patient-1")
    day = replacer.replace(PhiCategory.DATE, "the 11th")
    assert re.fullmatch(r"the (\d{1,2})(st|nd|rd|th)", day) and day != "the 11th"
    assert int(re.search(r"\d+", day).group()) <= 28
    assert replacer.replace(PhiCategory.DATE, "the 11th") == day  # the same date, the same surrogate
    pair = replacer.replace(PhiCategory.DATE, "12-19")
    assert re.fullmatch(r"\d\d-\d\d", pair) and all(1 <= int(p) <= 12 for p in pair.split("-"))
    weekday = replacer.replace(PhiCategory.DATE, "tues 6/2")
    assert weekday.split()[0].isalpha() and weekday.split()[0].islower()
