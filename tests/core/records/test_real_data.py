"""Real clinical text (MTS-Dialog, CC BY 4.0, see tests/data/mts-dialog) through the loader."""

from __future__ import annotations

from pathlib import Path

from core.config import MedsumConfig, RecordsConfig
from core.records import load_records, model_input, split_by_patient, split_sizes

MTS = Path(__file__).resolve().parents[2] / "data" / "mts-dialog" / "validation.jsonl"


def test_mts_dialog_loads_with_dialogue_as_input() -> None:
    config = MedsumConfig(records=RecordsConfig(input_fields=["dialogue"], target_field="summary"))
    result = load_records(MTS, config)
    assert result.problems == []
    assert len(result.records) == 100
    # No patient fields in MTS-Dialog: every record is its own patient.
    assert result.records_without_patient == 100
    first = model_input(result.records[0].data, config.records)
    assert first.startswith("dialogue: Doctor:") or first.startswith("dialogue: Patient:")
    sizes = split_sizes(split_by_patient(result.records, config.split))
    assert (sizes["train"].records, sizes["validation"].records, sizes["test"].records) == (80, 10, 10)
