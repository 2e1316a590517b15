"""MedSum's privacy layer: offline guard, PHI categories and (later) de-identification,
differential privacy, the privacy ledger and the audit log.

This package never imports ``core`` or Textual; ``core`` builds on it.
"""
