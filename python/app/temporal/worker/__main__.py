"""``python -m app.temporal.worker``: a module of its own, so that running it does not
execute the already imported ``app.temporal.worker`` a second time (runpy warns then)."""

import sys

from app.temporal.worker import cli

sys.exit(cli())
