"""``python -m medsum_tui``: the same as the ``medsum`` command."""

import sys

from medsum_tui.cli import main

sys.exit(main())
