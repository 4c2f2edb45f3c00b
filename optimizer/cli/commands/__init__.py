"""Command implementations, one module per group, each registering on ``optimizer.cli.app.app``.

Kept apart from ``cli.py`` so each command stays a few lines: parse, call the library, print.
Add a module here and import it below.
"""

from __future__ import annotations
from optimizer.cli.commands import growth  # noqa: F401
from optimizer.cli.commands import project  # noqa: F401
from optimizer.cli.commands import soil  # noqa: F401
from optimizer.cli.commands import estimate  # noqa: F401
from optimizer.cli.commands import plan  # noqa: F401
from optimizer.cli.commands import frontier  # noqa: F401
from optimizer.cli.commands import schedule  # noqa: F401
from optimizer.cli.commands import uncertainty  # noqa: F401
