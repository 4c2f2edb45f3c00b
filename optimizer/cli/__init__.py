"""The command line: a thin typer layer (``app``), the console entry point and one module per command."""
