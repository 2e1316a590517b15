"""MedSum's ROUGE metric for ``evaluate``: ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum F-measures.

Loading the stock ROUGE metric by name would fetch its script from the Hugging Face hub, which an
air-gapped workstation cannot reach; this module ships with MedSum and is loaded by its local path
(:mod:`core.evaluation.rouge` does that). It scores with Google's ``rouge_score`` (Porter
stemmer on) and splits sentences for ROUGE-Lsum with MedSum's regular-expression splitter
(:func:`core.evaluation.sentences.split_sentences`), never NLTK's punkt, which would need a
download. It returns the mean F-measure of each ROUGE type over the prediction/reference
pairs, between 0 and 1.
"""

import datasets
import evaluate
from rouge_score import rouge_scorer

from core.evaluation.sentences import split_sentences

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")

_DESCRIPTION = """\
ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum F-measures (mean over pairs) from rouge_score with the
Porter stemmer, one reference per prediction. For ROUGE-Lsum, texts are split into sentences
with a regular expression (., ! or ? before a capital or a digit, and line breaks).
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions: list of generated summaries (strings).
    references: list of reference summaries (strings), one per prediction.
Returns:
    dict with rouge1, rouge2, rougeL and rougeLsum: mean F-measures between 0 and 1.
"""

_CITATION = """\
@inproceedings{lin-2004-rouge,
    title = "{ROUGE}: A Package for Automatic Evaluation of Summaries",
    author = "Lin, Chin-Yew",
    booktitle = "Text Summarization Branches Out",
    year = "2004",
    publisher = "Association for Computational Linguistics",
    pages = "74--81",
}
"""


def prepare(text: str) -> str:
    """One sentence per line, the layout ``rouge_score`` expects for ROUGE-Lsum."""
    return "\n".join(split_sentences(text))


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class MedsumRouge(evaluate.Metric):
    """ROUGE F-measures computed offline with rouge_score and a regex sentence splitter."""

    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {"predictions": datasets.Value("string", id="sequence"),
                 "references": datasets.Value("string", id="sequence")}
            ),
            codebase_urls=["https://github.com/google-research/google-research/tree/master/rouge"],
        )

    def _compute(self, predictions: list[str], references: list[str]) -> dict[str, float]:
        scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
        totals = dict.fromkeys(ROUGE_TYPES, 0.0)
        for prediction, reference in zip(predictions, references, strict=True):
            scores = scorer.score(prepare(reference), prepare(prediction))
            for rouge_type in ROUGE_TYPES:
                totals[rouge_type] += scores[rouge_type].fmeasure
        count = len(predictions)
        return {rouge_type: (total / count if count else 0.0) for rouge_type, total in totals.items()}
