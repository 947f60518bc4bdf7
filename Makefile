# The front door. `make run` and `make test` work on a fresh machine: they set everything up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY_STAMP  := $(VENV)/.installed
WEB_STAMP := web/node_modules/.installed
PEER_STAMP := bench/peer/node_modules/.installed
WEB_SDL   := web/generated/schema.graphql
WEB_BUILD := web/dist/index.html
# The explorer's sources; web/src/gql/ is generated from the schema, so it is not one of them.
WEB_SRC   := $(shell find web/src -type f -not -path 'web/src/gql/*' 2>/dev/null) \
             web/index.html web/vite.config.ts web/codegen.ts web/tsconfig.json
PY_SRC    := $(shell find core schema resolvers graphdb rapport -name '*.py' 2>/dev/null)

.PHONY: help setup run test fuzz test-faults lint typecheck format bench bench-peer clean db-start db-stop

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

setup: $(PY_STAMP) $(WEB_STAMP) $(WEB_BUILD)  ## Create the venv, install Python and web dependencies, build the explorer

$(PY_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

$(WEB_STAMP): web/package.json web/package-lock.json
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	touch $@

# The live schema, for graphql-codegen: rewritten only when the SDL really changed, so a Python
# edit that leaves the API alone does not rebuild the explorer.
$(WEB_SDL): $(PY_STAMP) $(PY_SRC)
	@mkdir -p $(@D)
	$(BIN)/rapport schema print > $@.tmp
	@if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

# Types from the schema, type-check (a renamed field fails here), then the Vite build.
$(WEB_BUILD): $(WEB_STAMP) $(WEB_SDL) $(WEB_SRC)
	npm run --prefix web --silent build

run: setup  ## Start the local Neo4j, migrate, load the demo graph if empty, serve the explorer and playground
	$(BIN)/rapport db ensure-password
	$(BIN)/rapport db start
	$(BIN)/rapport db migrate
	$(BIN)/rapport seed --customers 500 --seed 1 --if-empty
	$(BIN)/rapport auth bootstrap
	$(BIN)/rapport serve --no-start-db

test: setup lint  ## Lint, type-check, then run every test against a real Neo4j
	$(BIN)/pytest

fuzz: setup  ## The schema-driven fuzzer with a long budget (2,500 cases per test)
	RAPPORT_FUZZ_EXAMPLES=2500 $(BIN)/pytest tests/test_fuzz.py

test-faults: setup  ## kill -9 Neo4j under concurrent writers; check every answer and write (minutes)
	$(BIN)/python -m bench.faults

lint: setup  ## ruff, mypy and the import-layers contract
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: setup  ## Apply ruff's formatting and safe fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: setup  ## Run the benchmarks and write bench/results/
	$(BIN)/python -m bench

# The peer's npm packages are for this benchmark only: neither `setup` nor `test` installs them.
$(PEER_STAMP): bench/peer/package.json bench/peer/package-lock.json
	npm ci --prefix bench/peer --no-audit --no-fund --loglevel=error
	touch $@

bench-peer: setup $(PEER_STAMP)  ## Rapport vs @neo4j/graphql side by side (ARGS="--customers 100000")
	$(BIN)/python -m bench.peer $(ARGS)

db-start: setup  ## Start the local Neo4j
	$(BIN)/rapport db ensure-password
	$(BIN)/rapport db start

db-stop: setup  ## Stop the local Neo4j gracefully
	$(BIN)/rapport db stop

clean:  ## Remove the venv, node_modules and the explorer build (keeps .rapport/ data)
	rm -rf $(VENV) web/node_modules web/dist web/generated web/src/gql bench/peer/node_modules
