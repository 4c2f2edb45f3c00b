"""minesink estimators: pure, vectorised science (per-hectare yields of restoration options).

No I/O, no optimisation, no command line: functions take scalars or numpy arrays (broadcasting)
or DataFrames already loaded by the caller.  ``estimators`` never imports ``optimizer``.
"""
