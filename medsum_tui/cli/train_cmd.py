"""``medsum train``: fine-tune a stored model on a stored dataset."""

from __future__ import annotations

__all__: list[str] = []
