# Token Gate. `make demo` runs the service on embedded defaults; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed

# Tests run on the PostgreSQL and Redis of this machine unless told otherwise.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tokengate
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: setup demo test lint format bench clean plugin-zip

setup: $(STAMP) $(NPM_STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# anvil (the local chain) and solc (compiles contracts/) come from npm, pinned by package-lock.json.
$(NPM_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

demo: setup
	$(PY) scripts/demo.py $(DEMO_ARGS)

test: setup
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) -m pytest $(PYTEST_ARGS)
	scripts/php.sh test

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy config tokengate
	scripts/php.sh lint

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: setup
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) bench/run.py

# The WordPress plugin as a zip for Plugins → Add New → Upload Plugin.
plugin-zip: setup
	$(PY) scripts/plugin_zip.py

clean:
	rm -rf $(VENV) node_modules var dist .pytest_cache .mypy_cache .ruff_cache .hypothesis
