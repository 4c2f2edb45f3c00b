"""The ``minesink`` console script: signal handling first, then the command line.

Installed before anything heavy is imported, so that Ctrl-C during start-up prints one line
instead of a traceback, and SIGTERM (and SIGHUP) stop a run the way Ctrl-C does: as an exception
that unwinds through the writers' ``finally`` blocks, which remove their temporary files and
folders.  Exit codes: 130 for SIGINT, 128 + the signal number for the others.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

from optimizer.errors import Terminated


def _terminate(signum: int, _frame: FrameType | None) -> None:
    signal.signal(signum, signal.SIG_IGN)  # a second signal must not interrupt the clean-up
    raise Terminated(signum)


def install_handlers() -> None:
    """Turn SIGTERM and SIGHUP into ``Terminated`` (a KeyboardInterrupt) in the main thread."""
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _terminate)


def main() -> None:
    """Console-script entry point."""
    install_handlers()
    try:
        from optimizer.cli.app import run

        code = run()
    except KeyboardInterrupt as stop:  # outside a command (start-up): no traceback either
        sys.stderr.write("interrupted\n" if not isinstance(stop, Terminated) else f"{stop}\n")
        code = stop.exit_code if isinstance(stop, Terminated) else 130
    sys.exit(code)


if __name__ == "__main__":
    main()
