"""Fine-tuning: run configuration, batching, the training loop, checkpoints and the runs table."""

from core.train.config import TrainConfig, TrainError
from core.train.runs import RunInfo, RunsTable, RunStatus

__all__ = ["RunInfo", "RunStatus", "RunsTable", "TrainConfig", "TrainError"]
