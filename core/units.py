"""Numbers for people: byte sizes and parameter counts in reports, errors and tables."""

from __future__ import annotations

__all__ = ["format_count", "format_size"]


def format_count(n: int) -> str:
    """A parameter count for people: ``1.31M``, ``60.5M``, ``1.2B``, ``950``."""
    for unit, scale in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= scale:
            value = n / scale
            return f"{value:.3g}{unit}" if value < 100 else f"{value:.0f}{unit}"
    return str(n)


def format_size(n: int) -> str:
    """A byte count for people: ``5.2 MB``, ``1.1 GB``, ``812 B``."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"
