"""``medsum data import | list | show``: de-identified datasets in the workspace."""

from __future__ import annotations

from medsum_tui.cli.app import data_app  # noqa: F401  (commands register on it)

__all__: list[str] = []
