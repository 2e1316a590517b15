"""Input records: reading JSON files, validating records, model input text and the split."""

from core.records.flatten import model_input, normalize_key, target_text
from core.records.loader import LoadResult, load_records
from core.records.problems import Location, Problem, write_problem_report
from core.records.split import SPLITS, SplitSizes, split_by_patient, split_sizes
from core.records.stream import RecordStream
from core.records.validate import Record

__all__ = [
    "LoadResult", "load_records", "Location", "Problem", "write_problem_report", "Record", "RecordStream",
    "model_input", "target_text", "normalize_key", "SPLITS", "SplitSizes", "split_by_patient", "split_sizes",
]
