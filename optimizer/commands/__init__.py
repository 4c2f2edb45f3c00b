"""Command implementations, one module per group, each registering on ``optimizer.cli.app``.

Kept apart from ``cli.py`` so each command stays a few lines: parse, call the library, print.
Add a module here and import it below.
"""

from __future__ import annotations
from optimizer.commands import growth  # noqa: F401
from optimizer.commands import project  # noqa: F401
from optimizer.commands import soil  # noqa: F401
from optimizer.commands import estimate  # noqa: F401
from optimizer.commands import plan  # noqa: F401
from optimizer.commands import frontier  # noqa: F401
from optimizer.commands import schedule  # noqa: F401
from optimizer.commands import uncertainty  # noqa: F401
