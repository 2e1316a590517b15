"""Evaluation of summaries: ROUGE through a metric module shipped with MedSum, clinical fidelity
against a lexicon of drugs, conditions and abbreviations, rule-based baselines, and the
``medsum eval`` report. Import the submodules directly; this package re-exports nothing."""
