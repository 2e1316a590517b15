"""Summarize records for display: de-identify each record in memory, build its model input
as dataset import does, generate, and map the surrogates in each summary back to the real
values. Only the summaries leave this module; the surrogate mapping is never stored."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.config import MedsumConfig
from core.generation.settings import GenerationError, GenerationSettings
from core.generation.summarizer import Summarizer
from core.records import Record, model_input
from privacy.deid.settings import Strategy

if TYPE_CHECKING:
    from core.evaluation.lexicon import Lexicon
    from core.audit import Auditor

__all__ = ["FidelityHook", "summarize_records"]

#: ``flag(model input, generated summary)`` -> a JSON-able report; both texts are de-identified.
FidelityHook = Callable[[str, str], dict[str, Any]]


def summarize_records(root: Path, records: Sequence[Record], summarizer: Summarizer, settings: GenerationSettings,
                      *, config: MedsumConfig, secret: bytes | None, strategy: Strategy,
                      flag: FidelityHook | None = None, lexicon: Lexicon | None = None,
                      auditor: Auditor | None = None, timings: dict[str, float] | None = None) -> list[dict[str, Any]]:
    """One result per record, in order: ``{"id", "summary", "fidelity", "provenance", "sources"}``.

    Each record is de-identified with ``strategy`` (``surrogate`` needs ``secret``) under the
    workspace ``config`` (``deid`` and ``records`` sections); the model sees only that text,
    built from the input fields the summarizer's run was trained on when it has them.
    With ``surrogate``, surrogates quoted in the summary are replaced by the real values they
    stand for (whole words, unambiguous ones only); with ``redact``, tags such as ``[NAME]``
    stay. ``flag``, when given, is called with the model input and the summary before the
    mapping back, and its result is stored under ``fidelity`` (else None). The run is recorded
    in the audit log of the workspace at ``root`` (record ids, counts, model and hashes only),
    through ``auditor`` when given (a caller that summarizes often keeps one, with its key fetched).
    ``timings``, when given, receives the seconds spent de-identifying and generating
    (``"de-identify"``, ``"generate"``).

    ``sources`` is the sentence-level provenance of the summary
    (:func:`core.evaluation.provenance.trace` with ``lexicon``, the shipped one by default):
    per sentence, the sentence mapped back like the summary, whether anything supports it,
    and the supporting spans as offsets into the de-identified model input. ``provenance``
    is the model and run the summary came from.
    """
    from core.audit import Auditor, record_ids
    from core.evaluation.lexicon import load_lexicon
    from core.evaluation.provenance import supports_json, trace
    from core.records.flatten import FHIR_LEVEL_FIELD
    from privacy.deid.engine import Deidentifier
    from privacy.deid.mapback import restore, surrogate_originals

    if strategy not in ("surrogate", "redact"):
        raise GenerationError(f"--strategy {strategy!r}: use surrogate or redact", exit_code=2)
    if strategy == "surrogate" and secret is None:
        raise GenerationError("the surrogate strategy needs the de-identification secret")
    auditor = auditor or Auditor(root)  # before the work, so a missing secret store fails fast
    engine = Deidentifier(config.deid, secret=secret, id_field=config.records.id_field)
    fields = config.records if summarizer.input_fields is None else \
        config.records.model_copy(update={"input_fields": summarizer.input_fields})
    sources: list[str] = []
    keys: list[set[str] | None] = []
    mappings: list[dict[str, str]] = []
    found = 0
    started = time.perf_counter()
    for record in records:
        outcome = engine.deidentify(record.data, record.patient_key, strategy=strategy, residual_scan=False)
        found += len(outcome.findings)
        sources.append(model_input(outcome.record, fields))
        keys.append(set(outcome.record) if FHIR_LEVEL_FIELD not in outcome.record else None)  # FHIR: its own lines
        mappings.append(surrogate_originals(record.data, outcome.record, outcome.findings,
                                            engine.replacer(record.patient_key)) if strategy == "surrogate" else {})
    deidentified = time.perf_counter()
    summaries = summarizer.summarize(sources, settings)
    if timings is not None:
        timings["de-identify"] = deidentified - started
        timings["generate"] = time.perf_counter() - deidentified
    provenance = {**summarizer.provenance, "settings": settings.to_json(), "strategy": strategy,
                  "input_fields": fields.input_fields}
    lexicon = lexicon or load_lexicon()
    results = []
    for record, source, summary, mapping, names in zip(records, sources, summaries, mappings, keys, strict=True):
        supports = trace(source, summary, lexicon, field_names=names)
        results.append({"id": record.record_id, "summary": restore(summary, mapping),
                        "fidelity": flag(source, summary) if flag is not None else None, "provenance": provenance,
                        "sources": supports_json(supports, lambda text, m=mapping: restore(text, m))})
    mappings.clear()
    auditor.event("summarize", **record_ids([r.record_id for r in records]), source="raw",
                  model=provenance.get("model"), run_id=provenance.get("run_id"), method=provenance.get("method"),
                  model_manifest_sha256=provenance.get("model_manifest_sha256"),
                  adapter_sha256=provenance.get("adapter_sha256"), weights_sha256=provenance.get("weights_sha256"),
                  strategy=strategy, phi_found=found)
    return results
