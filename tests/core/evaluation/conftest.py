"""Shared fixtures of the evaluation tests: the shipped lexicon and a small synthetic corpus."""

from __future__ import annotations

import pytest

from core.config import RecordsConfig
from core.evaluation.lexicon import Lexicon, load_lexicon
from core.records.flatten import model_input
from core.synth import SyntheticCorpus, generate_corpus


@pytest.fixture(scope="session")
def lexicon() -> Lexicon:
    """The lexicon shipped with MedSum."""
    return load_lexicon()


@pytest.fixture(scope="session")
def synthetic() -> SyntheticCorpus:
    """200 synthetic records with a fixed seed."""
    return generate_corpus(200, 20250101)


@pytest.fixture(scope="session")
def synthetic_pairs(synthetic: SyntheticCorpus) -> list[tuple[str, str]]:
    """(model input, reference summary) of each synthetic record, as a dataset holds them."""
    config = RecordsConfig()
    return [(model_input(record, config), record["summary"]) for record in synthetic.records]
