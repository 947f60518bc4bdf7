# The front door. `make run` and `make test` work on a fresh machine: they set everything up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY_STAMP  := $(VENV)/.installed
WEB_STAMP := web/node_modules/.installed

.PHONY: help setup run test test-faults lint typecheck format bench clean db-start db-stop

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

setup: $(PY_STAMP) $(WEB_STAMP)  ## Create the venv, install Python and playground dependencies

$(PY_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

$(WEB_STAMP): web/package.json web/package-lock.json
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	touch $@

run: setup  ## Start the local Neo4j, migrate, load the demo graph if empty, serve the playground
	$(BIN)/rapport db start
	$(BIN)/rapport db migrate
	$(BIN)/rapport seed --customers 500 --seed 1 --if-empty
	$(BIN)/rapport auth bootstrap
	$(BIN)/rapport serve --no-start-db

test: setup lint  ## Lint, type-check, then run every test against a real Neo4j
	$(BIN)/pytest

test-faults: setup  ## kill -9 Neo4j under concurrent writers; check every answer and write (minutes)
	$(BIN)/python -m bench.faults

lint: setup  ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: setup  ## Apply ruff's formatting and safe fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: setup  ## Run the benchmarks and write bench/results/
	$(BIN)/python -m bench

db-start: setup  ## Start the local Neo4j
	$(BIN)/rapport db start

db-stop: setup  ## Stop the local Neo4j gracefully
	$(BIN)/rapport db stop

clean:  ## Remove the venv and node_modules (keeps .rapport/ data)
	rm -rf $(VENV) web/node_modules
