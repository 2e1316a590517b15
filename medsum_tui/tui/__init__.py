"""The Textual TUI: ``medsum tui``, or bare ``medsum`` in a terminal."""

from __future__ import annotations

from medsum_tui.tui.app import MedsumApp

__all__ = ["MedsumApp"]
