# The two commands a user needs: `make demo` (the main job) and `make test` (every test).
# Both create .venv and install the pinned dependencies on first use.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Demo data set size (see README: ~20k customers, a year, >1M web events).
DEMO_CUSTOMERS ?= 20000
DEMO_DAYS ?= 365
DEMO_SEED ?= 42

export RAW_DATA_DIR ?= data/raw
export DUCKDB_PATH ?= data/warehouse.duckdb
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DBT_LOG_PATH := logs

.PHONY: help install demo generate build summary test lint format clean lock

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)  ## create .venv with the pinned dependencies

demo: install generate build summary  ## generate the demo data, dbt build, print what was built

generate: install  ## write the demo raw data set to $(RAW_DATA_DIR)
	$(BIN)/behaviorseg generate --customers $(DEMO_CUSTOMERS) --days $(DEMO_DAYS) \
		--seed $(DEMO_SEED) --out $(RAW_DATA_DIR)

build: install  ## dbt build against $(DUCKDB_PATH)
	mkdir -p $(dir $(DUCKDB_PATH))
	$(BIN)/dbt build

summary: install  ## print row counts per layer
	$(BIN)/behaviorseg summary --warehouse $(DUCKDB_PATH) --raw-dir $(RAW_DATA_DIR)

test: install  ## lint + every test (pytest incl. dbt builds on small generated and broken data)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: install  ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install  ## apply ruff fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

lock: install  ## re-pin constraints.txt from the current .venv
	{ echo "# Pinned versions of every Python dependency (direct and transitive)."; \
	  echo "# Regenerate with: make lock"; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v '^behaviorseg'; } > constraints.txt

clean:  ## remove generated data, dbt artefacts and the venv
	rm -rf data target logs $(VENV)
