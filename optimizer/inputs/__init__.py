"""Project input: reading and checking project folders, catalogues, settings and data tables."""
