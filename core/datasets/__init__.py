"""De-identified datasets in the workspace: import (de-identify, split by patient, store as
Arrow with a content fingerprint), list, load with verification, and token length statistics.

``datasets`` and tokenizers load only inside the functions that need them.
"""

from core.datasets.build import import_dataset
from core.datasets.entry import DatasetEntry, DatasetError
from core.datasets.registry import get_dataset, list_datasets, load_splits
from core.datasets.stats import length_stats

__all__ = ["DatasetError", "DatasetEntry", "import_dataset", "list_datasets", "get_dataset", "load_splits",
           "length_stats"]
