# samverkan — the two commands of the README, and their parts.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: install run test lint typecheck unit bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Deploy the journeys in processes/ into the embedded database and run the scheduler.
run: install
	$(BIN)/samverkan run

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest

# ruff, mypy and the test suite. PostgreSQL tests run when SAMVERKAN_TEST_POSTGRES_URL is set.
test: lint typecheck unit

bench: install
	$(BIN)/python -m bench.engine_per_task

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .mypy_cache
