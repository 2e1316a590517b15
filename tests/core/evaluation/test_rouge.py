"""ROUGE through MedSum's own ``evaluate`` metric module, loaded by path with no network."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rouge_score import rouge_scorer

from core.evaluation import rouge
from core.evaluation.rouge import METRIC_DIR, ROUGE_KEYS, rouge_scores
from core.evaluation.sentences import split_sentences
from privacy.offline import install_network_guard

ROOT = Path(__file__).resolve().parents[3]
MTS = ROOT / "tests" / "data" / "mts-dialog" / "validation.jsonl"


@pytest.fixture(autouse=True)
def _guard_on() -> None:
    install_network_guard(enabled=True, source="test")


def _direct(predictions: list[str], references: list[str]) -> dict[str, float]:
    """rouge_score called directly, with the same sentence splitting."""
    scorer = rouge_scorer.RougeScorer(list(ROUGE_KEYS), use_stemmer=True)
    totals = dict.fromkeys(ROUGE_KEYS, 0.0)
    for prediction, reference in zip(predictions, references, strict=True):
        scores = scorer.score("\n".join(split_sentences(reference)), "\n".join(split_sentences(prediction)))
        for key in ROUGE_KEYS:
            totals[key] += scores[key].fmeasure
    return {key: total / len(predictions) for key, total in totals.items()}


def test_hand_computed_single_pair() -> None:
    # prediction: the cat sat on the mat   reference: the cat is on the mat   (6 tokens each)
    # ROUGE-1: common unigrams the x2, cat, on, mat = 5 -> P = R = 5/6 -> F = 5/6
    # ROUGE-2: bigrams "the cat", "on the", "the mat" shared of 5 each -> F = 3/5
    # ROUGE-L: LCS "the cat on the mat" = 5 -> F = 5/6; one sentence, so ROUGE-Lsum = ROUGE-L
    scores = rouge_scores(["the cat sat on the mat"], ["the cat is on the mat"])
    assert scores == pytest.approx({"rouge1": 5 / 6, "rouge2": 3 / 5, "rougeL": 5 / 6, "rougeLsum": 5 / 6})
    assert list(scores) == list(ROUGE_KEYS)


def test_rouge_lsum_uses_sentence_splitting() -> None:
    # The same two sentences in the other order. ROUGE-L over the whole text: the LCS is one
    # sentence, 3 of 6 tokens -> F = 1/2. ROUGE-Lsum, sentence by sentence: each reference
    # sentence is matched in full by a prediction sentence -> 6 of 6 -> F = 1. ROUGE-1 = 1 (same
    # tokens); ROUGE-2: "the cat", "cat sat", "the dog", "dog ran" shared of 5 bigrams -> 4/5.
    scores = rouge_scores(["The cat sat. The dog ran."], ["The dog ran. The cat sat."])
    assert scores == pytest.approx({"rouge1": 1.0, "rouge2": 4 / 5, "rougeL": 1 / 2, "rougeLsum": 1.0})


def test_stemming_is_on() -> None:
    # Porter stems: patients -> patient, presented/presents -> present.
    assert rouge_scores(["patients presented"], ["patient presents"])["rouge1"] == pytest.approx(1.0)


def test_identical_texts_score_one_and_the_mean_is_over_pairs() -> None:
    text = "Patient presented with chest pain for 3 days. Diagnosis: coronary artery disease (CAD)."
    assert rouge_scores([text], [text]) == pytest.approx(dict.fromkeys(ROUGE_KEYS, 1.0))
    # one perfect pair and one with nothing in common: each mean is 1/2
    assert rouge_scores([text, "unrelated words here"], [text, "nothing shared"]) == pytest.approx(
        dict.fromkeys(ROUGE_KEYS, 0.5))


def test_empty_prediction_scores_zero() -> None:
    assert rouge_scores([""], ["the cat is on the mat"]) == dict.fromkeys(ROUGE_KEYS, 0.0)


def test_same_figures_as_rouge_score_called_directly() -> None:
    records = [json.loads(line) for line in MTS.read_text(encoding="utf-8").splitlines()[:12]]
    predictions = [" ".join(split_sentences(r["dialogue"])[:3]) for r in records]
    references = [r["summary"] for r in records]
    predictions += ["Chest pain for 3 days. Started aspirin 81 mg daily.\nFollow-up in 2 weeks.",
                    "Shortness of breath. Diagnosed with COPD. Albuterol as needed."]
    references += [("The patient presented with chest pain for 3 days. Aspirin 81 mg daily was started. "
                    "Follow-up in 2 weeks."), "COPD exacerbation with shortness of breath; albuterol PRN."]
    ours, direct = rouge_scores(predictions, references), _direct(predictions, references)
    assert ours == pytest.approx(direct, abs=1e-12)
    assert 0 < ours["rouge2"] < ours["rouge1"] < 1


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="2 predictions but 1 references"):
        rouge_scores(["a", "b"], ["a"])
    with pytest.raises(ValueError, match="no predictions"):
        rouge_scores([], [])
    with pytest.raises(TypeError, match="prediction 1 is a NoneType"):
        rouge_scores(["a", None], ["a", "b"])  # type: ignore[list-item]


def test_loads_by_path_with_the_network_guard_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rouge, "_metric", None)  # load again, under the guard
    metric = rouge.load_rouge_metric()
    assert metric.name == "medsum_rouge"
    assert rouge.load_rouge_metric() is metric  # cached
    assert rouge_scores(["a b c"], ["a b c"])["rouge1"] == 1.0


def test_the_metric_module_ships_beside_the_code() -> None:
    assert (METRIC_DIR / "medsum_rouge.py").is_file()
    assert not (METRIC_DIR / "__init__.py").exists()  # a script evaluate loads, not a package of core


@pytest.mark.slow
def test_first_load_in_a_fresh_cache_is_offline_and_keeps_texts_in_memory(tmp_path: Path) -> None:
    """A new process with empty Hugging Face caches and the guard on copies the script into
    its modules cache, scores, and writes no prediction or reference to disk."""
    script = (
        "from privacy.offline import install_network_guard\n"
        "install_network_guard(enabled=True, source='test')\n"
        "import socket\n"
        "try:\n"
        "    socket.getaddrinfo('huggingface.co', 443)\n"
        "    raise SystemExit('guard is off')\n"
        "except PermissionError:\n"
        "    pass\n"
        "from core.evaluation.rouge import rouge_scores\n"
        "print(rouge_scores(['SECRET-PREDICTION words'], ['SECRET-REFERENCE words'])['rouge1'])\n"
    )
    env = {**os.environ, "HF_HOME": str(tmp_path / "hf"), "HF_MODULES_CACHE": str(tmp_path / "hf" / "modules")}
    env.pop("HF_EVALUATE_OFFLINE", None)  # importing core must set it
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    # tokens: secret prediction words / secret reference words -> 2 of 3 shared
    assert float(out.stdout.strip().splitlines()[-1]) == pytest.approx(2 / 3)
    copied = list((tmp_path / "hf" / "modules").rglob("medsum_rouge.py"))
    assert copied and copied[0].read_text() == (METRIC_DIR / "medsum_rouge.py").read_text()
    for path in (tmp_path / "hf").rglob("*"):
        if path.is_file() and path.suffix != ".py":
            assert b"SECRET" not in path.read_bytes(), path
