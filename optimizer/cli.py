"""The ``minesink`` command line: a thin typer layer over the library.

Each command parses its options, calls one library function, prints and returns.  Errors meant
for the user (``InputError`` exit 2, ``RunError`` exit 1) become one line on stderr; anything
else is an internal error reported in one line unless ``--debug`` asks for the traceback.
"""

from __future__ import annotations

import functools
import logging
import sys
from typing import Any, Callable, Optional

import typer

from optimizer import __version__

from optimizer.errors import MinesinkError

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
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks and debug logging."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details to stderr."),
) -> None:
    """minesink: carbon-optimal restoration plans for mine land."""
    global _DEBUG
    _DEBUG = debug
    level = logging.DEBUG if debug else (logging.INFO if verbose else logging.WARNING)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


_DEBUG = False


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
                if _DEBUG:
                    raise
                typer.echo(f"error: {err}", err=True)
                raise typer.Exit(err.exit_code) from None
            except (typer.Exit, typer.Abort):
                raise
            except BrokenPipeError:  # output piped into `head` and closed: not an error
                sys.stderr.close()
                raise typer.Exit(0) from None
            except KeyboardInterrupt:
                typer.echo("interrupted", err=True)
                raise typer.Exit(130) from None
            except Exception as err:  # noqa: BLE001 - last line of defence: no traceback for users
                if _DEBUG:
                    raise
                typer.echo(
                    f"internal error: {type(err).__name__}: {err} (run with --debug for details)", err=True
                )
                raise typer.Exit(1) from None

        return app.command(name, **kwargs)(guarded)

    return decorate


# Command modules register themselves on ``app`` when imported.
from optimizer import commands  # noqa: E402,F401  (import for side effect)


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
    """Console-script entry point."""
    sys.exit(run())
