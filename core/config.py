"""The workspace configuration: a TOML file, validated once on load, overridden by IT policy.

Two files are read, both optional and partial:

- ``<workspace>/config.toml``, the user's settings;
- the IT-managed policy, ``<site config dir>/medsum/policy.toml`` (``/etc/xdg/medsum`` on
  Linux) or the file named by ``MEDSUM_POLICY_FILE``. Every key the policy sets wins over the
  user's value and is reported as locked.

Unknown keys are errors, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.errors import MedsumError
from privacy.deid.settings import DeidSettings

__all__ = [
    "DEFAULT_IDENTIFIER_FIELDS",
    "POLICY_ENV",
    "AuditConfig",
    "BudgetConfig",
    "BudgetLimits",
    "ConfigError",
    "GenerationConfig",
    "LoadedConfig",
    "MedsumConfig",
    "OfflineConfig",
    "RecordsConfig",
    "SplitConfig",
    "default_config_toml",
    "load_config",
    "policy_path",
]

POLICY_ENV = "MEDSUM_POLICY_FILE"

#: Fields that identify a person and never form model input (matched at any depth, ignoring
#: case, ``_``, ``-`` and camelCase). The de-identification engine has the full detector set.
DEFAULT_IDENTIFIER_FIELDS: tuple[str, ...] = (
    "id", "patient_id", "patient_name", "name", "first_name", "last_name", "given", "family",
    "dob", "birth_date", "date_of_birth", "mrn", "ssn", "phone", "fax", "email", "address",
    "street", "city", "zip", "postal_code", "member_id", "insurance_id", "account_number",
    "contacts", "emergency_contact", "attending", "facility", "date", "url", "ip",
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class RecordsConfig(_Section):
    """Which record fields are the id, the target and the model input, and input limits."""

    id_field: str = Field("id", min_length=1, description="field holding the unique record id")
    target_field: str = Field("summary", min_length=1, description="field holding the reference summary")
    input_fields: list[str] | None = Field(
        None, description="fields that form the model input, in order; unset: every non-identifier field"
    )
    identifier_fields: list[str] = Field(
        default_factory=lambda: list(DEFAULT_IDENTIFIER_FIELDS),
        description="field names (any depth) that identify a person and are never model input",
    )
    patient_keys: list[list[str]] = Field(
        default_factory=lambda: [["patient_id"], ["mrn"], ["patient_name", "dob"]],
        description="field groups that identify the patient, tried in order, for the split",
    )
    fhir_level: Literal["encounter", "patient"] = Field(
        "encounter", description="FHIR input: one record per Encounter, or one per Patient"
    )
    fhir_max_tokens: int = Field(384, ge=16, le=16384, description="FHIR input: model input budget, in words")
    fhir_strict: bool = Field(False, description="FHIR input: validate every resource against R4B first")
    max_field_chars: int = Field(100_000, ge=1, description="longest text field accepted, in characters")
    max_depth: int = Field(32, ge=1, le=500, description="deepest nesting accepted")

    @model_validator(mode="after")
    def _groups_not_empty(self) -> RecordsConfig:
        if any(not group for group in self.patient_keys):
            raise ValueError("patient_keys: every group needs at least one field")
        return self


class SplitConfig(_Section):
    """The train/validation/test proportions and the salt that makes the split deterministic."""

    train: float = Field(0.8, gt=0, lt=1)
    validation: float = Field(0.1, ge=0, lt=1)
    test: float = Field(0.1, ge=0, lt=1)
    salt: str = Field("medsum-split-v1", min_length=1, description="changing it reshuffles patients")

    @model_validator(mode="after")
    def _sums_to_one(self) -> SplitConfig:
        total = self.train + self.validation + self.test
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"train + validation + test must be 1, got {total:g}")
        return self


class OfflineConfig(_Section):
    """Network settings; the guard stays on unless this or ``MEDSUM_NETWORK_GUARD`` says off."""

    network_guard: bool = True


class GenerationConfig(_Section):
    """How ``medsum summarize`` and ``medsum eval`` decode, unless an option says otherwise."""

    num_beams: int = Field(4, ge=1, le=32, description="beam width; 1 is greedy")
    max_new_tokens: int = Field(128, ge=1, le=4096, description="longest summary, in tokens")
    no_repeat_ngram_size: int = Field(3, ge=0, description="forbid repeating an n-gram of this many tokens; 0: off")
    batch_size: int = Field(16, ge=1, le=1024, description="records generated together")
    max_source_len: int = Field(512, ge=2, description="tokens kept of each model input")


class BudgetLimits(_Section):
    """A privacy budget: the largest epsilon and delta allowed on a dataset (unset: no limit)."""

    max_epsilon: float | None = Field(None, gt=0, description="largest composed epsilon allowed on a dataset")
    max_delta: float | None = Field(None, gt=0, lt=1, description="largest delta a run may use")


class BudgetConfig(BudgetLimits):
    """The privacy budget policy: limits for every dataset, and per-dataset overrides
    (``[budget.datasets.NAME]``). Nothing set: no limit is configured."""

    datasets: dict[str, BudgetLimits] = Field(default_factory=dict, description="per-dataset limits")


class AuditConfig(_Section):
    """How the audit log names who did each operation."""

    actor: Literal["name", "hashed"] = Field(
        "name", description="name: the OS user and host names; hashed: keyed tokens of them (same user, same token)"
    )


class MedsumConfig(_Section):
    """Everything ``config.toml`` can hold."""

    schema_version: int = Field(1, ge=1, le=1)
    records: RecordsConfig = Field(default_factory=RecordsConfig)
    split: SplitConfig = Field(default_factory=SplitConfig)
    offline: OfflineConfig = Field(default_factory=OfflineConfig)
    deid: DeidSettings = Field(default_factory=DeidSettings)
    budget: BudgetConfig = Field(default_factory=BudgetConfig)
    generation: GenerationConfig = Field(default_factory=GenerationConfig)
    audit: AuditConfig = Field(default_factory=AuditConfig)


class ConfigError(MedsumError):
    """A configuration or policy file is unreadable or invalid (exit code 1: the file is at
    fault, not the command line)."""


@dataclass(frozen=True)
class LoadedConfig:
    """A validated configuration, with the keys IT policy fixed and the files it came from."""

    config: MedsumConfig
    locked: frozenset[str]
    files: tuple[Path, ...]


def policy_path() -> Path:
    """Where the IT-managed policy file lives: ``MEDSUM_POLICY_FILE`` or the site config dir."""
    override = os.environ.get(POLICY_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.site_config_dir("medsum", appauthor=False)) / "policy.toml"


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _validate(data: dict[str, Any], path: Path | str) -> MedsumConfig:
    try:
        return MedsumConfig.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ConfigError(f"{path}: {where}: {err['msg']}{more}") from None


def _merge(base: dict[str, Any], over: dict[str, Any], prefix: str = "") -> tuple[dict[str, Any], set[str]]:
    merged = dict(base)
    locked: set[str] = set()
    for key, value in over.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key], sub = _merge(merged[key], value, f"{dotted}.")
            locked |= sub
        else:
            merged[key] = value
            locked |= _leaf_keys(value, dotted)
    return merged, locked


def _leaf_keys(value: Any, dotted: str) -> set[str]:
    if isinstance(value, dict):
        return {k for key, v in value.items() for k in _leaf_keys(v, f"{dotted}.{key}")}
    return {dotted}


def load_config(config_file: Path | None, policy_file: Path | None = None) -> LoadedConfig:
    """Read and validate the user config (if it exists) with the IT policy laid over it.

    Each file is validated on its own first, so an error names the file that holds it.
    """
    policy_file = policy_file if policy_file is not None else policy_path()
    user: dict[str, Any] = {}
    files: list[Path] = []
    if config_file is not None and config_file.is_file():
        user = _read_toml(config_file)
        _validate(user, config_file)
        files.append(config_file)
    policy: dict[str, Any] = {}
    if policy_file.is_file():
        policy = _read_toml(policy_file)
        _validate(policy, policy_file)
        files.append(policy_file)
    merged, locked = _merge(user, policy)
    where = " + ".join(str(f) for f in files) or "defaults"
    return LoadedConfig(_validate(merged, where), frozenset(locked), tuple(files))


def default_config_toml() -> str:
    """The text of a new ``config.toml``: the schema version, and every default commented out."""
    import tomli_w

    defaults = MedsumConfig().model_dump(exclude_none=True, exclude={"schema_version", "budget"})
    body = tomli_w.dumps(defaults)
    commented = "\n".join(f"# {line}" if line else "" for line in body.splitlines())
    return (
        "# MedSum workspace configuration. Uncomment a setting to change it.\n"
        "# Settings in the IT policy file (medsum doctor shows where) override this file.\n"
        "schema_version = 1\n\n" + commented + "\n" + _BUDGET_EXAMPLE
    )


_BUDGET_EXAMPLE = """
# Privacy budget per dataset (unset: no limit). A run that would take a dataset's composed
# epsilon over max_epsilon, use a delta over max_delta, or train without DP while
# max_epsilon is set, is refused unless --override-budget gives an (audited) reason.
# [budget]
# max_epsilon = 10.0
# max_delta = 1e-05
# [budget.datasets.NAME]
# max_epsilon = 3.0
"""
