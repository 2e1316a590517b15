"""MedSum's privacy layer: offline guard, PHI categories and (later) de-identification,
differential privacy, the privacy ledger and the audit log.

This package never imports ``core`` or Textual; ``core`` builds on it.

Importing it installs the network guard in a child of a guarded MedSum process (a subprocess,
a ``multiprocessing`` spawn child), before any MedSum code runs there:
:func:`privacy.offline.install_inherited_guard`.
"""

from privacy.offline import install_inherited_guard

install_inherited_guard()
