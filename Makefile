# One place for the project's tasks. `make run` sets up and starts the product;
# `make test` runs the whole suite (lint, types, checks, pytest on SQLite and PostgreSQL).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
CALLCENTER_DATA ?= $(CURDIR)/var
export CALLCENTER_DATA
PYTEST_ARGS ?=
# The switch's own tests touch no database (the engine never imports Django): the
# PostgreSQL run leaves them to the SQLite one.
NO_DATABASE := --ignore=tests/engine --ignore=tests/sip --ignore=tests/rtp --ignore=tests/chaos

.PHONY: run install test lint typecheck djangocheck pytest pytest-sqlite pytest-postgres \
        system-deps messages lock clean bench

$(VENV)/.installed: pyproject.toml requirements/lock.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/lock.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/callcenter migrate --no-input
	$(BIN)/callcenter demo
	$(BIN)/callcenter serve --host $(HOST) --port $(PORT)

test: install system-deps lint typecheck djangocheck pytest

system-deps:
	@tools/install-system-deps

lint: install
	$(BIN)/ruff check src tests tools bench
	$(BIN)/ruff format --check src tests tools bench

typecheck: install
	$(BIN)/mypy

# The checks run against a throw-away data folder, so they never touch var/.
djangocheck: install
	@export CALLCENTER_DATA=$$(mktemp -d); \
	$(BIN)/callcenter manage check --fail-level WARNING && \
	$(BIN)/callcenter manage makemigrations --check --dry-run; \
	status=$$?; rm -rf "$$CALLCENTER_DATA"; exit $$status

pytest: pytest-sqlite pytest-postgres

pytest-sqlite: install
	@echo "== pytest on SQLite"
	@export CALLCENTER_DATA=$$(mktemp -d); unset DATABASE_URL; \
	$(BIN)/pytest $(PYTEST_ARGS); status=$$?; rm -rf "$$CALLCENTER_DATA"; exit $$status

pytest-postgres: install
	@url=$$($(BIN)/python tools/find-postgres); \
	if [ -z "$$url" ]; then \
	  echo "== pytest on PostgreSQL: SKIPPED, no server reachable (set DATABASE_URL)"; exit 0; \
	fi; \
	echo "== pytest on PostgreSQL ($$url)"; \
	export CALLCENTER_DATA=$$(mktemp -d) DATABASE_URL="$$url"; \
	$(BIN)/pytest $(PYTEST_ARGS) $(NO_DATABASE); status=$$?; rm -rf "$$CALLCENTER_DATA"; exit $$status

# Benchmarks: each writes its table to bench/results/ (see bench/README.md).
bench: install system-deps
	@tools/install-bench-deps
	$(BIN)/python -m bench.sip_parser
	$(BIN)/python -m bench.sip_load
	$(BIN)/python -m bench.call_setup
	$(BIN)/python -m bench.media_relay
	$(BIN)/python -m bench.acd_routing
	$(BIN)/python -m bench.queue_throughput
	$(BIN)/python -m bench.chaos_full
	$(BIN)/python -m bench.customer_lookup
	$(BIN)/python -m bench.pop_latency

# Extract new strings into both catalogues and compile them (needs Debian's gettext).
messages: install
	cd src/callcenter && CALLCENTER_DATA=$$(mktemp -d) ../../$(BIN)/callcenter manage makemessages \
	  --locale zh_Hans --locale en --no-obsolete --add-location never
	$(BIN)/python tools/compile-messages

lock: install
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --extra dev --allow-unsafe --no-emit-index-url \
	  --no-emit-find-links -o requirements/lock.txt pyproject.toml

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
