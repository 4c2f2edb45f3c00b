# `make test` and `make demo` each create .venv and install minesink on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: test demo bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 tests

demo: $(STAMP)
	rm -rf demo-project demo-plan
	$(BIN)/minesink init demo-project --example pingshuo
	$(BIN)/minesink plan demo-project -o demo-plan --frontier 10

bench: $(STAMP)
	$(BIN)/python bench/estimate.py --parcels 10000 --json
	$(BIN)/python bench/plan.py --parcels 10000 --json

clean:
	rm -rf $(VENV) demo-project demo-plan build dist *.egg-info
