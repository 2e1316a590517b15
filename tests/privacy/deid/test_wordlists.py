"""The allow-list's word lists: where they come from, what they keep out, and a site's lists."""

from __future__ import annotations

import pytest

from privacy.deid.wordlists import base_allow_words, name_words, read_site_file, site_lists, town_names, word_lists
from privacy.phi import PhiCategory


def test_the_allow_list_has_english_and_medicine_but_no_strong_names() -> None:
    allow = base_allow_words()
    assert len(allow) > 150_000
    assert {"the", "pain", "metformin", "lisinopril", "htn", "cabg", "parkinson", "hodgkin"} <= allow
    assert not {"linda", "okafor", "marisol", "zuleika"} & allow


def test_name_words_and_towns_come_from_their_packages() -> None:
    names = name_words()
    assert {"hope", "rose", "linda", "okafor"} <= names and "will" not in names and "the" not in names
    single, phrases = town_names()
    assert {"dunmore", "harlan", "tomah"} <= single and "east liverpool" in phrases


def test_site_lists(tmp_path) -> None:
    path = tmp_path / "deny.txt"
    path.write_text("# hospitals\nKeane Memorial\tFACILITY\nokafor\tNAME  # a surgeon\nharborview\n", encoding="utf-8")
    assert read_site_file(path) == ["Keane Memorial\tFACILITY", "okafor\tNAME", "harborview"]
    lists = word_lists(site_lists(["zorbitrel"], ["pain\tNAME"], None, path))
    assert "zorbitrel" in lists.allow and "pain" not in lists.allow and "okafor" not in lists.allow
    assert lists.deny_words["okafor"] is PhiCategory.NAME and lists.deny_words["harborview"] is PhiCategory.UNKNOWN
    assert lists.deny_phrases["keane"] == ((("keane", "memorial"), PhiCategory.FACILITY),)


def test_a_missing_or_bad_site_file_names_itself(tmp_path) -> None:
    with pytest.raises(ValueError, match="nope.txt"):
        read_site_file(tmp_path / "nope.txt")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ValueError, match="bad.txt"):
        read_site_file(bad)


def test_city_names_are_large_cities_that_are_no_common_word_or_a_first_name() -> None:
    from privacy.deid.wordlists import city_names

    cities = city_names()
    assert {"dallas", "cleveland", "phoenix", "pittsburgh"} <= cities
    assert not {"reading", "mobile", "independence"} & cities
