"""Outputs: plan files, reports (Markdown and HTML), figures, maps and GIS files."""
