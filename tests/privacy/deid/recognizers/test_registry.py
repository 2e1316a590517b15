"""The registry: tables from the recognizer modules, one pass, and a new recognizer in one place."""

from __future__ import annotations

import re

import pytest

from privacy.deid import detection, settings, surrogates
from privacy.deid.recognizers.base import Branch, Detection, Follow, Prefix, Recognizer, Trigger, fold_key
from privacy.deid.recognizers.registry import (
    DEFAULT_KEY_MAP,
    MODULES,
    PATTERNS,
    PRIORITY,
    REGISTRY,
    SURROGATES,
    build_registry,
    detect_patterns,
)
from privacy.deid.surrogates import Replacer
from privacy.phi import PhiCategory as C

DEFAULTS = [module.RECOGNIZER for module in MODULES]
TEXT = "Implant lot 123-ABC placed 3/14/2023 by Dr. Chen; call (555) 234-5678 or mail jo@x.org. Serial zz-9."


# --- (a) the engine's tables come from the modules ---------------------------------------------

def test_every_module_declares_one_recognizer_of_its_own_name() -> None:
    assert [module.RECOGNIZER.name for module in MODULES] == [module.__name__.rsplit(".", 1)[1] for module in MODULES]


def test_priorities_come_from_the_modules_and_cover_every_category() -> None:
    declared = {category: rank for rec in DEFAULTS for category, rank in rec.priority.items()}
    assert PRIORITY == declared
    assert set(PRIORITY) == set(C)  # every category has exactly one owner
    assert len(set(PRIORITY.values())) == len(PRIORITY)  # ranks are unique
    assert min(PRIORITY, key=PRIORITY.__getitem__) is C.EMAIL
    assert max(PRIORITY, key=PRIORITY.__getitem__) is C.UNKNOWN
    assert detection.PRIORITY is PRIORITY  # what resolve_overlaps ranks by


def test_key_map_comes_from_the_modules() -> None:
    declared = {fold_key(key): category for rec in DEFAULTS for key, category in rec.field_keys.items()}
    assert DEFAULT_KEY_MAP == declared
    assert settings.DEFAULT_KEY_MAP is DEFAULT_KEY_MAP
    assert settings.DeidSettings(key_map={"bed": "ID"}).resolved_key_map() == {**declared, "bed": C.ID}


def test_surrogates_come_from_the_modules() -> None:
    declared = {category: name for rec in DEFAULTS for category, name in rec.surrogates.items()}
    assert SURROGATES == declared
    assert surrogates._HANDLERS == {category: getattr(Replacer, name) for category, name in declared.items()}


def test_detect_patterns_is_the_pass_without_the_name_scan() -> None:
    assert [rec.name for rec in PATTERNS.recognizers] == [rec.name for rec in DEFAULTS if rec.name != "names"]
    found = REGISTRY.detect(TEXT)
    assert detect_patterns(TEXT) == [d for d in found if d.category not in (C.NAME, C.FACILITY)]


# --- (c) the number scan is one compiled pattern ------------------------------------------------

def test_the_number_scan_is_one_compiled_pattern_of_every_branch() -> None:
    scan = REGISTRY.number_scan
    assert isinstance(scan, re.Pattern)
    assert scan is PATTERNS.number_scan  # the same regex, compiled once
    groups = {b.group for rec in DEFAULTS for b in rec.branches if isinstance(b.follow, Follow)}
    assert groups <= set(scan.groupindex)
    assert scan.pattern.startswith("[0-9](?<![0-9][0-9])(?:" + Follow.SLASH.value)


def test_branches_are_ordered_by_class_then_order() -> None:
    pattern = REGISTRY.number_scan.pattern
    at = {group: pattern.index(f"(?P<{group}>") for group in ("iso_s", "md", "ip", "ph_d", "ssn", "ph", "iso", "ph7",
                                                              "age", "ssn_b", "addr", "age_b", "ph_c", "zip5", "tok")}
    assert sorted(at, key=at.__getitem__) == ["iso_s", "md", "ip", "ph_d", "ssn", "ph", "iso", "ph7", "age", "ssn_b",
                                              "addr", "age_b", "ph_c", "zip5", "tok"]


# --- (b) a new recognizer is one module ---------------------------------------------------------

def _lot(text: str, m: re.Match[str], out: list[Detection]) -> None:
    out.append(Detection(m.start(), m.end(), C.DEVICE, "toy.lot"))


def _serial(text: str, probe: str, out: list[Detection]) -> None:
    for m in re.finditer(r"zz-\d", probe):
        out.append(Detection(m.start(), m.end(), C.DEVICE, "toy.serial"))


#: What a new recognizer module holds: a branch of the number scan, a triggered scan, a key.
TOY = Recognizer(
    name="toy",
    order=45,
    # after the first digit, which the number scan has matched: "123-ABC"
    branches=(Branch("toy_lot", r"(?P<toy_lot>(?<![\w\-]\d)\d\d-[A-Z]{3}\b)", Follow.HYPHEN, 5, _lot),),
    triggers=(Trigger(("zz-",), _serial),),
    field_keys={"lot_number": None},
)


def test_a_toy_recognizer_joins_the_single_pass() -> None:
    registry = build_registry([*DEFAULTS, TOY])
    assert isinstance(registry.number_scan, re.Pattern) and "toy_lot" in registry.number_scan.groupindex
    found = registry.detect(TEXT)
    toy = [(TEXT[d.start:d.end], d.rule) for d in found if d.rule.startswith("toy.")]
    assert toy == [("123-ABC", "toy.lot"), ("zz-9", "toy.serial")]
    assert [d for d in found if not d.rule.startswith("toy.")] == REGISTRY.detect(TEXT)  # the rest as before
    assert registry.key_map == {**DEFAULT_KEY_MAP, "lotnumber": None}
    assert registry.priority == PRIORITY and registry.surrogates == SURROGATES


def test_registering_touches_no_other_registry() -> None:
    before = (REGISTRY.number_scan, dict(PRIORITY), dict(DEFAULT_KEY_MAP), dict(SURROGATES))
    build_registry([*DEFAULTS, TOY])
    assert before == (REGISTRY.number_scan, PRIORITY, DEFAULT_KEY_MAP, SURROGATES)
    assert "toy_lot" not in REGISTRY.number_scan.groupindex


def test_a_scan_only_recognizer_runs_where_its_order_says() -> None:
    seen: dict[str, list[str]] = {}

    def watcher(name: str) -> Recognizer:
        def scan(text: str, probe: str, out: list[Detection]) -> None:
            seen[name] = sorted({d.category.value for d in out})
        return Recognizer(name=name, order={"early": 0, "late": 1000}[name], scan=scan)

    registry = build_registry([watcher("late"), *DEFAULTS, watcher("early")])
    registry.detect(TEXT)
    assert seen["early"] == ["DATE", "PHONE"]  # only the number scan has run: no email, no name yet
    assert {"DATE", "EMAIL", "NAME", "PHONE"} <= set(seen["late"])  # every other recognizer has run


def test_a_registry_without_number_branches() -> None:
    registry = build_registry([Recognizer(name="only", order=1, triggers=(Trigger(("zz-",), _serial),))])
    assert [d.rule for d in registry.detect(TEXT)] == ["toy.serial"]
    assert registry.detect("") == []


# --- declarations that cannot both hold -------------------------------------------------------

def _clash(**changes: object) -> Recognizer:
    fields = {"name": "clash", "order": 1, **changes}
    return Recognizer(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(("recognizer", "message"), [
    (_clash(priority={C.DATE: 99}), "category DATE"),
    (_clash(priority={}, field_keys={}, name="dates"), "recognizer name"),
    (_clash(branches=(Branch("md", r"(?P<md>\d)", Follow.SLASH, 1, _lot),)), "branch group 'md'"),
    (_clash(field_keys={"Date-Of-Birth": None}), "field key 'Date-Of-Birth'"),
])
def test_conflicts_are_refused(recognizer: Recognizer, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_registry([*DEFAULTS, recognizer])


def test_a_shared_rank_is_refused() -> None:
    with pytest.raises(ValueError, match="priority rank 6"):
        build_registry([Recognizer(name="a", order=1, priority={C.DATE: 6}),
                        Recognizer(name="b", order=2, priority={C.AGE: 6})])


def test_malformed_declarations_are_refused() -> None:
    with pytest.raises(ValueError, match="no group"):
        Branch("lot", r"\d{3}", Follow.HYPHEN, 1, _lot)
    Branch("paren", r"\(\d{3}\)", Prefix("("), 1, _lot)  # a prefix scan needs no group
    with pytest.raises(ValueError, match="lower case"):
        Trigger(("Box",), _serial)
    with pytest.raises(ValueError, match="does not own: DATE"):
        Recognizer(name="x", order=1, field_keys={"dob": C.DATE})
