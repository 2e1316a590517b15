"""The structured-field key map: folded keys, config overrides, validation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from privacy.deid.settings import DeidSettings, fold_key
from privacy.phi import PhiCategory


def test_key_folding() -> None:
    assert fold_key("patientName") == fold_key("patient_name") == fold_key("Patient-Name") == "patientname"


def test_builtin_map_and_overrides() -> None:
    key_map = DeidSettings(key_map={"bed": "ID", "city": "none"}).resolved_key_map()
    assert key_map[fold_key("dateOfBirth")] == PhiCategory.DATE
    assert key_map["bed"] == PhiCategory.ID
    assert key_map["city"] is None
    assert key_map["state"] is None


def test_unknown_category_is_rejected_with_key() -> None:
    with pytest.raises(ValidationError, match="key_map.bed"):
        DeidSettings(key_map={"bed": "ROOM"})
