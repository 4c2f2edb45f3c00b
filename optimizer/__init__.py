"""minesink optimizer: project loading, option tables -> Pyomo model -> HiGHS -> plan, reports, CLI."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("minesink")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
