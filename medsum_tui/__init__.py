"""MedSum's front door: the ``medsum`` command line and (later) the Textual app.

Importing this package puts Hugging Face libraries in offline mode before anything else.
"""

from privacy.offline import enforce_offline_env

enforce_offline_env()
