# samverkan — the two commands of the README, and their parts.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: install assets run test lint typecheck unit bench clean

install: $(VENV)/.installed web/static/build/manifest.json

$(VENV)/.installed: pyproject.toml package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The browser code (docs/frontend.md): bundled from node_modules into web/static/build/ (git-ignored).
assets: web/static/build/manifest.json

web/static/build/manifest.json: $(VENV)/.installed tools/build_assets.mjs $(wildcard web/assets/*.js web/assets/*.css web/assets/*/*.js web/assets/*/*.css)
	npm run build --silent

# The web app on http://localhost:8000 with both journeys deployed, demo users (passwords printed)
# and demo cases, on the embedded database in instance/.
run: install
	$(BIN)/samverkan serve --demo

# ruff, and the architecture's import contracts (pyproject.toml, [tool.importlinter]).
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

typecheck: install
	$(BIN)/mypy

# On every core (pytest-xdist), a test file to a worker: a file's fixtures and its module-scoped
# servers stay in one process; each worker has a PostgreSQL schema of its own (tests/conftest.py).
unit: install
	$(BIN)/pytest -n auto --dist loadfile

# ruff, mypy and the test suite. PostgreSQL tests run when SAMVERKAN_TEST_POSTGRES_URL is set.
test: lint typecheck unit

# Every performance target, measured and printed MET or NOT MET (docs/benchmarks.md); PostgreSQL
# too when SAMVERKAN_BENCH_POSTGRES_URL or SAMVERKAN_TEST_POSTGRES_URL is set.
bench: install
	$(BIN)/python -m bench.targets

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .mypy_cache
