"""Makes ``app.temporal`` import from this wheel whatever ``app`` package is on the path.

The wheel installs ``app/temporal/`` beside this module, with no ``app/__init__.py``. A host
application whose own ``app`` is a regular package (Project-AI's ``src/app/__init__.py``)
hides it: Python looks up a regular package's submodules in that package's folder only.
The finder below answers for ``app.temporal`` before the path-based search and returns the
package beside this module; its submodules then come from the same folder through the
package's ``__path__``. Being first on ``sys.meta_path``, it also wins over a leftover
``app/temporal/`` folder of the original Python module on the path.

``project_ai_temporal_hook.pth`` in site-packages calls :func:`install` at start-up. Where
``.pth`` files are not processed (``python -S``, frozen applications), call it before the
first import of ``app.temporal``::

    import _project_ai_temporal_hook
    _project_ai_temporal_hook.install()

This module runs at every interpreter start-up, so it imports nothing beyond ``sys`` and
``os``, both loaded by then (not even ``__future__``), and never imports ``app``. The finder
follows the protocol of ``importlib.abc.MetaPathFinder`` without subclassing it: importing
``importlib.abc`` costs tens of milliseconds on Python 3.11.
"""

import os
import sys

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs milliseconds
if TYPE_CHECKING:
    from collections.abc import Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType
    from typing import Optional

PACKAGE = "app.temporal"
"""The package this hook maps."""


class AppTemporalFinder:
    """A meta path finder (``importlib.abc.MetaPathFinder`` protocol) that finds
    ``app.temporal`` in ``root``'s ``app/`` folder and nothing else."""

    # install() recognises an installed finder by this attribute, not by its class, so a
    # second copy of this module (another site dir, a reload) adds no second finder.
    project_ai_temporal_package = PACKAGE

    def __init__(self, root: str) -> None:
        self.root = root

    def __repr__(self) -> str:
        return f"AppTemporalFinder({self.root!r})"

    def find_spec(
        self,
        fullname: str,
        path: "Optional[Sequence[str]]" = None,
        target: "Optional[ModuleType]" = None,
    ) -> "Optional[ModuleSpec]":
        if fullname != PACKAGE:
            return None
        # Imported here, when app.temporal is imported, not at interpreter start-up.
        from importlib.machinery import PathFinder

        # The path-based finder over our app/ folder alone: the regular package spec, with
        # its bytecode cache and __path__ = [<root>/app/temporal]. None (the other finders
        # decide) if the package is not there, e.g. in a frozen application.
        return PathFinder.find_spec(fullname, [os.path.join(self.root, "app")])

    def invalidate_caches(self) -> None:
        """Nothing cached here (``importlib.invalidate_caches`` calls it)."""


def install() -> bool:
    """Puts a finder for the ``app.temporal`` beside this module first on ``sys.meta_path``.
    Idempotent: returns False, and adds nothing, when such a finder is installed already.
    Call it before the first import of ``app.temporal``."""
    if any(getattr(f, "project_ai_temporal_package", None) == PACKAGE for f in sys.meta_path):
        return False
    sys.meta_path.insert(0, AppTemporalFinder(os.path.dirname(os.path.abspath(__file__))))
    return True
