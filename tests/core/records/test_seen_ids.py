"""The compact set of ids that finds duplicates while records stream past."""

from __future__ import annotations

import pytest

from core.records import seen_ids
from core.records.problems import Location
from core.records.seen_ids import SeenIds


def test_the_first_location_comes_back_for_a_repeated_id() -> None:
    ids = SeenIds()
    places = [Location("a.jsonl", 3), Location("b.json", 7, 2), Location("c.json"), Location("d.json", None, 0)]
    for n, place in enumerate(places):
        assert ids.add(f"r-{n}", place) is None
    for n, place in enumerate(places):
        assert ids.add(f"r-{n}", Location("z.jsonl", 99)) == place
    assert len(ids) == 4


def test_ids_are_compared_exactly_when_every_hash_collides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seen_ids, "_hash", lambda text: 12345)
    ids = SeenIds()
    names = ["a", "b", "ab", "", "é", "\ud800x", "a" * 300]
    for n, name in enumerate(names):
        assert ids.add(name, Location("f", n + 1)) is None
    assert [ids.add(name, Location("g", 1)) for name in names] == [Location("f", n + 1) for n in range(len(names))]
    assert ids.add("c", Location("f", 50)) is None


def test_many_ids_take_a_few_dozen_bytes_each() -> None:
    ids = SeenIds()
    count = 100_000
    for n in range(count):
        assert ids.add(f"r-{n:07d}", Location("records.jsonl", n + 1)) is None
    assert ids.add("r-0054321", Location("x", 1)) == Location("records.jsonl", 54322)
    assert ids.add("r-0099999", Location("x", 1)) == Location("records.jsonl", 100_000)
    assert len(ids) == count
    assert ids.nbytes / count < 90  # a dict of id to location string: about 170
