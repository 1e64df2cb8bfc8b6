"""``python -m app.temporal``: the operator's command line (see ``app.temporal.cli``)."""

import sys

from app.temporal.cli import main

sys.exit(main())
