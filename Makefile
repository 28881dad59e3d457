# Two commands for a newcomer: `make demo` and `make test`. Each builds the
# virtual environment from requirements-dev.lock first (Python 3.11, PyPI only,
# every file checked against its hash). A production install takes
# requirements.lock, the runtime alone: `pip install --require-hashes -r requirements.lock`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-fast docs lint lock bench clean

$(BIN)/.installed: requirements-dev.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

demo: $(BIN)/.installed
	$(BIN)/taxmatch demo --out demo-output

# The whole suite, as CI runs it: lint, format, types, the layer rule, docs in step, every test marker.
test: $(BIN)/.installed
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/cog --check docs/*.md
	TAXMATCH_HYPOTHESIS=repeatable $(BIN)/pytest -m "" -q

# Regenerate the docs that come from the code (docs/cli.md, docs/errors.md).
docs: $(BIN)/.installed
	$(BIN)/cog -r docs/*.md

# The fast default run for day-to-day work (no slow or PostgreSQL tests).
test-fast: $(BIN)/.installed
	$(BIN)/pytest -q

bench: $(BIN)/.installed
	$(BIN)/python scripts/benchmark.py

# Re-pin both locks from pyproject.toml, with hashes (needs the registry). Pins already in a lock are
# kept unless pyproject.toml no longer allows them; the development lock is held to the runtime one.
COMPILE = .lockenv/bin/pip-compile pyproject.toml --generate-hashes --strip-extras --allow-unsafe \
	--no-emit-index-url --no-emit-find-links --no-header --quiet
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/python -m pip install --quiet pip-tools
	$(COMPILE) -o requirements.lock
	$(COMPILE) --extra dev -c requirements.lock -o requirements-dev.lock
	rm -rf .lockenv

clean:
	rm -rf $(VENV) demo-output .pytest_cache .mypy_cache .ruff_cache
