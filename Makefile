# The two commands of the README: `make run` and `make test`. Both create the virtual
# environment in .venv and install the project from its own files on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run chat test lint catalogs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/nhacviec run

chat: $(STAMP)
	$(BIN)/nhacviec chat

# Two workers: the reliability tests spend most of their time waiting on bot processes.
PYTEST_WORKERS ?= 2

test: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

catalogs: $(STAMP)
	$(BIN)/python scripts/update_catalogs.py
