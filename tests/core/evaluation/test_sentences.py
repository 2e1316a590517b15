"""The regular-expression sentence splitter shared by ROUGE-Lsum and lead-n."""

from __future__ import annotations

from core.evaluation.sentences import split_sentences


def test_splits_on_end_punctuation_before_a_capital_or_digit() -> None:
    assert split_sentences("Pain began today. It is sharp! Worse at night? 2 tablets taken.") == [
        "Pain began today.", "It is sharp!", "Worse at night?", "2 tablets taken."]


def test_no_split_before_lower_case_or_inside_numbers() -> None:
    assert split_sentences("Temp 37.1 C today. the rest e.g. this, i.e. that.") == [
        "Temp 37.1 C today. the rest e.g. this, i.e. that."]


def test_splits_on_line_breaks_and_drops_blank_lines() -> None:
    assert split_sentences("Doctor: Hello\r\n\n  Patient: hi there\nok") == ["Doctor: Hello", "Patient: hi there", "ok"]


def test_titles_and_initials_do_not_end_a_sentence() -> None:
    text = "Seen by Dr. Smith at St. Vincent with Mrs. J. Doe. Next visit soon."
    assert split_sentences(text) == ["Seen by Dr. Smith at St. Vincent with Mrs. J. Doe.", "Next visit soon."]


def test_closing_quotes_and_brackets_stay_with_their_sentence() -> None:
    assert split_sentences('He said "stop." Then (later.) "Fine," she said.') == [
        'He said "stop."', "Then (later.)", '"Fine," she said.']


def test_empty_text_has_no_sentences() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n \n") == []
