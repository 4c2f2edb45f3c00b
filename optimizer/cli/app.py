"""The ``minesink`` command line: a thin typer layer over the library.

Each command parses its options, calls one library function, prints and returns.  Errors meant
for the user (``InputError`` exit 2, ``RunError`` exit 1) become one line on stderr (one line per
problem when several input problems were found); anything else is an internal error reported in
one line.  ``--debug`` adds the traceback before that line and never changes the exit code.
Exit codes: 0 success, 1 a run that could not finish, 2 bad input or usage, 3 a plan that is
feasible but not proven within the requested gap (time limit), 130/143 interrupted/terminated.
"""

from __future__ import annotations

import functools
import logging
import sys
import traceback
import warnings
from typing import Any, Callable, Optional

import typer

from optimizer import __version__

from optimizer.errors import InputError, MinesinkError, Terminated

app = typer.Typer(
    name="minesink",
    help="Plan mine restoration for the most carbon a budget can buy.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"minesink {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Optional[bool] = typer.Option(
        None, "--version", callback=_version_callback, is_eager=True, help="Show the version and exit."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of errors (exit codes are unchanged)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details to stderr."),
) -> None:
    """minesink: carbon-optimal restoration plans for mine land."""
    global _DEBUG
    _DEBUG = debug
    setup_logging(debug, verbose)


#: minesink's own loggers; third-party ones (pyomo, the solver) stay at WARNING even with --debug
OWN_LOGGERS = ("optimizer", "estimators")


def setup_logging(debug: bool, verbose: bool) -> None:
    """Warnings and errors of every library on stderr; minesink's own progress with -v (INFO) or
    --debug (DEBUG).  Library warnings (numpy RuntimeWarnings) are logged, shown only with -v or
    --debug, so they never stand before the one error line."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    level = logging.DEBUG if debug else (logging.INFO if verbose else logging.WARNING)
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(level)
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").setLevel(logging.WARNING if (debug or verbose) else logging.ERROR)
    if not (debug or verbose):
        warnings.simplefilter("ignore", RuntimeWarning)


_DEBUG = False


def _traceback() -> None:
    """With --debug, the traceback of the exception being handled, on stderr."""
    if _DEBUG:
        traceback.print_exc(file=sys.stderr)


def command(name: str | None = None, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn`` as a subcommand; user errors become one stderr line and an exit code.

    ``InputError`` exits 2, ``RunError`` exits 1, any other exception exits 1 with a one-line
    "internal error" (``--debug`` re-raises to show the traceback).
    """

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def guarded(*args: Any, **kw: Any) -> Any:
            try:
                return fn(*args, **kw)
            except MinesinkError as err:
                _traceback()
                lines = err.messages if isinstance(err, InputError) else [str(err)]
                for line in lines:
                    typer.echo(f"error: {line}", err=True)
                raise typer.Exit(err.exit_code) from None
            except (typer.Exit, typer.Abort):
                raise
            except BrokenPipeError:  # output piped into `head` and closed: not an error
                sys.stderr.close()
                raise typer.Exit(0) from None
            except Terminated as stop:
                _traceback()
                typer.echo(str(stop), err=True)
                raise typer.Exit(stop.exit_code) from None
            except KeyboardInterrupt:
                _traceback()
                typer.echo("interrupted", err=True)
                raise typer.Exit(130) from None
            except Exception as err:  # noqa: BLE001 - last line of defence: no traceback for users
                _traceback()
                typer.echo(f"internal error: {type(err).__name__}: {err}"
                           + ("" if _DEBUG else " (run with --debug for details)"), err=True)
                raise typer.Exit(1) from None

        return app.command(name, **kwargs)(guarded)

    return decorate


# Command modules register themselves on ``app`` when imported.
from optimizer.cli import commands  # noqa: E402,F401  (import for side effect)


def run(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``) and return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        app(args=args, prog_name="minesink", standalone_mode=True)
    except SystemExit as done:
        code = done.code
        if code is None:
            return 0
        return code if isinstance(code, int) else 1
    return 0


def main() -> None:
    """Console-script entry point (``optimizer.cli.entry.main`` adds the signal handling)."""
    from optimizer.cli.entry import main as entry_main

    entry_main()
