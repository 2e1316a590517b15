"""The de-identification fingerprint that shows a speed change changes nothing."""

from __future__ import annotations

from scripts.deid_fingerprint import fingerprint


def test_fingerprint_is_stable_and_names_the_part_that_changed() -> None:
    first = fingerprint(synthetic=4, notes_pattern="notes_a.txt")
    assert first == fingerprint(synthetic=4, notes_pattern="notes_a.txt")
    assert set(first) == {"fingerprint", "dev", "mts", "synthetic"}
    more = fingerprint(synthetic=5, notes_pattern="notes_a.txt")
    assert more["synthetic"] != first["synthetic"] and more["fingerprint"] != first["fingerprint"]
    assert (more["dev"], more["mts"]) == (first["dev"], first["mts"])
