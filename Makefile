# Two entry points for a fresh machine: `make run` and `make test`. Each installs what it needs.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# The test suite runs against the real services; override to run it on SQLite + in-memory.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/kwr
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run test install test-python schema lint bench samples

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.lock
	$(PIP) install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed

run: install samples frontend
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(VENV)/bin/uvicorn backend.asgi:application --host $(HOST) --port $(PORT)

test: install samples test-frontend test-browser
	DEBUG=1 DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) -m pytest -q

# Regenerates schema.graphql from the Strawberry schema (a test fails when it is stale).
schema: install
	DEBUG=1 $(PY) manage.py export_schema backend.schema:schema --path schema.graphql

lint: install
	$(VENV)/bin/ruff check .

# The stock sound library (presets app): rendered by our own code, reproducible, a few seconds.
samples: install
	DEBUG=1 $(PY) manage.py build_samples

# Kick generation speed and memory against a pipeline of the original's shape (gpu_worker/README.md).
bench-generation: install
	nice -n 10 $(PY) bench/generation.py

# --- Frontend (frontend/): React + TypeScript + Vite, built into frontend/dist for Django to serve.
NPM := cd frontend && nice -n 10 npm
FRONTEND_SOURCES := $(shell find frontend/src -type f) frontend/index.html frontend/vite.config.ts frontend/codegen.ts

.PHONY: frontend frontend-codegen test-frontend test-browser chromium

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	$(NPM) ci --no-audit --no-fund
	touch $@

# Fails when the generated operation types are stale against schema.graphql (fix: make frontend-codegen).
frontend/dist/index.html: frontend/node_modules/.package-lock.json $(FRONTEND_SOURCES) schema.graphql
	$(NPM) run --silent codegen:check
	$(NPM) run --silent build
	touch $@

frontend: frontend/dist/index.html

frontend-codegen: frontend/node_modules/.package-lock.json
	$(NPM) run --silent codegen

# The browser tests drive Debian's Chromium (never a downloaded browser build).
chromium:
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y --no-install-recommends chromium)

test-frontend: frontend/node_modules/.package-lock.json
	$(NPM) run --silent lint
	$(NPM) run --silent typecheck
	$(NPM) run --silent codegen:check
	$(NPM) run --silent test

# Real Chromium against the real backend (a fresh <TEST_DATABASE_URL>_e2e database); screenshots in frontend/test-results/.
test-browser: install samples frontend chromium
	cd frontend && DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) nice -n 10 npm run --silent test:browser

# The presets query as a library grows (with/without the query optimizer) and the stock library build.
bench-presets: install
	DEBUG=1 nice -n 10 $(PY) bench/presets.py
