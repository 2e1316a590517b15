"""De-identification settings: strategy, date shift, and the structured-field key map.

The key map says which structured fields are PHI by their key name. Keys are compared
folded (case, ``_``, ``-``, spaces and camelCase ignored), so ``patientName``,
``patient_name`` and ``Patient-Name`` are the same key. The built-in map
(``DEFAULT_KEY_MAP``) is assembled from the recognizers' field keys
(:mod:`privacy.deid.recognizers.registry`); entries in ``key_map`` add to or override it;
the value ``"none"`` marks a key as never PHI.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from privacy.deid.recognizers.base import fold_key
from privacy.deid.wordlists import WordLists, read_site_file, site_lists, word_lists
from privacy.phi import PhiCategory

__all__ = ["DeidSettings", "DEFAULT_KEY_MAP", "fold_key", "Strategy"]

Strategy = Literal["surrogate", "redact"]


def _default_key_map() -> dict[str, PhiCategory | None]:
    """The built-in key map, assembled from the recognizers' field keys. Imported when first
    needed: every command imports these settings (the workspace config holds them), and most
    never load the detectors."""
    from privacy.deid.recognizers.registry import DEFAULT_KEY_MAP

    return DEFAULT_KEY_MAP


def __getattr__(name: str) -> object:
    """``DEFAULT_KEY_MAP``: the built-in map from folded key to category (``None``: never PHI)."""
    if name == "DEFAULT_KEY_MAP":
        return _default_key_map()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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

    @field_validator("allow_words_file", "deny_words_file")
    @classmethod
    def _readable_list(cls, value: Path | None) -> Path | None:
        if value is not None:
            read_site_file(value)  # a missing, unreadable or non-UTF-8 list fails here, naming the file
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

        An unreadable site file raises ``ValueError`` naming it."""
        return word_lists(site_lists(self.allow_words, self.deny_words, self.allow_words_file, self.deny_words_file))

    def resolved_key_map(self) -> dict[str, PhiCategory | None]:
        """The built-in key map with this config's entries laid over it (keys folded)."""
        merged = dict(_default_key_map())
        for key, category in self.key_map.items():
            merged[fold_key(key)] = None if category == "none" else PhiCategory(category)
        return merged
