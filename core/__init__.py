"""MedSum's core: workspace, records, synthetic corpus, and (later) datasets, models,
training, evaluation and generation.

Importing ``core`` puts Hugging Face libraries in offline mode first, so no later import of
``transformers``, ``datasets`` or ``evaluate`` can reach a hub. ``core`` never imports Textual.
"""

from privacy.offline import enforce_offline_env

enforce_offline_env()
