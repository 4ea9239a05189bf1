# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: run test lint typecheck pytest bench clean validate

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEVSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(STAMP)

run: $(STAMP)
	$(BIN)/community-voice run

test: $(DEVSTAMP)
	$(BIN)/ruff check bot tests bench
	$(BIN)/mypy
	$(BIN)/pytest -q

validate: $(STAMP)
	$(BIN)/community-voice validate

bench: $(DEVSTAMP)
	$(BIN)/python bench/throughput.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
