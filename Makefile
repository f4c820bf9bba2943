# The two commands a user needs: `make demo` (the main job) and `make test` (every test).
# Both create .venv and install the pinned dependencies on first use.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.installed-spark

# Demo data set size (see docs/synthetic-data.md: ~20k customers, a year, ~6.5M web + ~3.5M app events).
DEMO_CUSTOMERS ?= 20000
DEMO_DAYS ?= 365
DEMO_SEED ?= 42

export RAW_DATA_DIR ?= data/raw
export DUCKDB_PATH ?= data/warehouse.duckdb
# The spark target's warehouse (Parquet tables, Derby metastore) and its Python stage's DuckDB
# file (docs/spark.md).
export SPARK_WAREHOUSE_DIR ?= data/spark-warehouse
export SPARK_PYTHON_DUCKDB_PATH ?= data/spark-python.duckdb
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
# A partial `dbt build --select` takes a test only when all its parents are built (a test that
# compares two marts would otherwise fail on a missing table).
export DBT_INDIRECT_SELECTION ?= buildable
export DBT_LOG_PATH := logs
export GX_ANALYTICS_ENABLED := false

OUT := data
MARTS_DIR := $(OUT)/marts
EXPORTS_DIR := $(OUT)/exports
REPORT := $(OUT)/reports/segment_health.html
QUALITY_DOCS := $(OUT)/quality/docs

.PHONY: help install browser demo generate build publish quality-docs export report summary forget \
	daily triggers bench-docs docs bench bench-clv test test-spark build-spark lint format lock clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)  ## create .venv with the pinned dependencies

browser:  ## make sure Debian's chromium is there (the report's browser test renders in it)
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the report test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# The PII hashing key (HMAC-SHA-256, docs/configuration.md). A build without PII_HASH_SALT
# stops; the demo path alone falls back to this documented demo key (never use it for real data).
DEMO_PII_HASH_SALT := behaviorseg-demo-key-not-a-secret
demo: export PII_HASH_SALT ?= $(DEMO_PII_HASH_SALT)
demo: install generate build quality-docs export report summary  ## the main job: data, build, quality docs, exports, report

generate: install  ## write the demo raw data set to $(RAW_DATA_DIR)
	$(BIN)/behaviorseg generate --customers $(DEMO_CUSTOMERS) --days $(DEMO_DAYS) \
		--seed $(DEMO_SEED) --out $(RAW_DATA_DIR)

build: install  ## dbt build (models, snapshots, tests, quality gates), then Parquet marts
	mkdir -p $(dir $(DUCKDB_PATH))
	$(BIN)/dbt build
	$(BIN)/behaviorseg publish-marts --warehouse $(DUCKDB_PATH) --out $(MARTS_DIR)

# What a scheduler runs (docs/operations.md). Both take the warehouse lock (<warehouse>.lock), so
# a trigger run and a daily run that overlap queue instead of racing for the DuckDB file.
daily: install  ## the scheduled daily run: dbt build without unit tests (skipped when no input changed), then Parquet marts
	mkdir -p $(dir $(DUCKDB_PATH))
	$(BIN)/behaviorseg daily --warehouse $(DUCKDB_PATH) --raw-dir $(RAW_DATA_DIR)
	$(BIN)/behaviorseg publish-marts --warehouse $(DUCKDB_PATH) --out $(MARTS_DIR)

triggers: install  ## load newly landed raw files and refresh abandoned_carts and session_offers only
	mkdir -p $(dir $(DUCKDB_PATH))
	$(BIN)/behaviorseg triggers --warehouse $(DUCKDB_PATH) --raw-dir $(RAW_DATA_DIR)

publish: install  ## write the public marts as Parquet to data/marts/
	$(BIN)/behaviorseg publish-marts --warehouse $(DUCKDB_PATH) --out $(MARTS_DIR)

quality-docs: install  ## Great Expectations Data Docs of the latest gate runs
	$(BIN)/behaviorseg quality-docs --warehouse $(DUCKDB_PATH) --out $(QUALITY_DOCS)

export: install  ## segment exports (CSV, Parquet, JSON Lines) and deltas for CRM/CDP
	$(BIN)/behaviorseg export --warehouse $(DUCKDB_PATH) --out $(EXPORTS_DIR)

report: install  ## the self-contained segment health report
	$(BIN)/behaviorseg report --warehouse $(DUCKDB_PATH) --out $(REPORT)

forget: export BEHAVIORSEG_ERASE_CUSTOMER_ID = $(CUSTOMER)
forget: install  ## erase a customer: make forget CUSTOMER=<id> [DRY_RUN=1] (docs/privacy.md)
	@test -n "$$BEHAVIORSEG_ERASE_CUSTOMER_ID" || { echo "usage: make forget CUSTOMER=<customer id> [DRY_RUN=1]"; exit 2; }
	$(BIN)/behaviorseg forget --warehouse $(DUCKDB_PATH) --marts-out $(MARTS_DIR) \
		--exports-out $(EXPORTS_DIR) --report-out $(REPORT) $(if $(DRY_RUN),--dry-run,)

summary: install  ## print row counts per layer and where the outputs are
	$(BIN)/behaviorseg summary --warehouse $(DUCKDB_PATH) --raw-dir $(RAW_DATA_DIR)

docs: install  ## dbt docs with lineage (then: .venv/bin/dbt docs serve --port 8080)
	$(BIN)/dbt docs generate

EVENTS ?= 1000000
bench: export PII_HASH_SALT ?= $(DEMO_PII_HASH_SALT)
bench: install  ## benchmark the pipeline at EVENTS events (data/bench/results.json and .md)
	$(BIN)/behaviorseg bench --events $(EVENTS) --out $(OUT)/bench

bench-docs: install  ## regenerate the benchmark tables of docs/figures.md from data/bench/results_*.json
	$(BIN)/behaviorseg bench-docs --results-dir $(OUT)/bench --doc docs/figures.md

CUSTOMERS ?= 1000000
bench-clv: export PII_HASH_SALT ?= $(DEMO_PII_HASH_SALT)
bench-clv: install  ## benchmark the CLV and churn models at CUSTOMERS simulated customers (data/bench/results_clv_*.json)
	$(BIN)/behaviorseg bench-clv --customers $(CUSTOMERS) --out $(OUT)/bench

test: install browser  ## lint + every test (pytest incl. dbt builds on small generated and broken data)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n 2 --dist loadfile

$(SPARK_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,spark]"
	touch $(SPARK_STAMP)

build-spark: $(SPARK_STAMP)  ## dbt build on Spark (local pyspark), its Python stage on DuckDB over the Spark tables, then Parquet marts
	@command -v java >/dev/null || { echo "build-spark needs Java 17 (java not found)"; exit 1; }
	mkdir -p $(SPARK_WAREHOUSE_DIR) $(dir $(SPARK_PYTHON_DUCKDB_PATH))
	DBT_TARGET=spark $(BIN)/dbt build
	$(BIN)/behaviorseg spark-python --duckdb $(SPARK_PYTHON_DUCKDB_PATH) --spark-warehouse $(SPARK_WAREHOUSE_DIR)
	$(BIN)/behaviorseg publish-marts --warehouse $(SPARK_PYTHON_DUCKDB_PATH) --out $(MARTS_DIR)

test-spark: $(SPARK_STAMP)  ## build on Spark (SQL stage, then the Python stage on DuckDB) and compare every table with DuckDB
	@command -v java >/dev/null || { echo "test-spark needs Java 17 (java not found)"; exit 1; }
	$(BIN)/pytest tests/spark

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
