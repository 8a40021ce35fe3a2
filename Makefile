# Two entry points for a fresh machine: `make run` and `make test`. Each installs what it needs.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# The real services of the first test pass (started, and installed if missing, by `services`).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/kwr
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
# Extra pytest arguments for both Python passes, e.g. make test-python PYTEST_ARGS="-k throttle".
PYTEST_ARGS ?=

.PHONY: run test install services test-python test-python-postgres test-python-sqlite fuzz schema lint bench samples

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.lock
	touch $@

install: $(VENV)/.installed

# The embedded default: SQLite under var/, in-memory channel layer, the local CPU kick worker.
# The app reads X-Forwarded-For itself (TRUSTED_PROXY_COUNT), so uvicorn must not rewrite it.
run: install samples frontend
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(VENV)/bin/uvicorn backend.asgi:application --host $(HOST) --port $(PORT) \
		--ws websockets-sansio --ws-max-size 2621440 --lifespan off --no-proxy-headers

# Every suite; each part of the project adds its own here.
test: test-python fuzz test-frontend test-browser

services:
	PYTHON=$(PYTHON) .ci/services "$(TEST_DATABASE_URL)" "$(TEST_REDIS_URL)"

# The Python suite twice, side by side: on PostgreSQL + Redis (with gpu_worker's Django-free
# tests, which need no second run), and on the embedded SQLite + in-memory defaults, where tests
# marked `postgres` are skipped. pytest's exit code 5 (nothing collected) fails a full run, but
# not a pass that PYTEST_ARGS leaves empty. FluidSynth's library is for the real-kick corpus
# builder's tests, which render a sound font they write.
test-python: install samples services
	@.ci/debian-packages libfluidsynth3
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-python-postgres test-python-sqlite

pytest = $(1) $(PY) -m pytest -q -p no:cacheprovider $(2) $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then \
		if [ -n "$(PYTEST_ARGS)" ]; then echo "$(3): nothing matches PYTEST_ARGS"; status=0; \
		else echo "$(3): no tests were collected" >&2; fi; \
	fi; \
	exit $$status

test-python-postgres:
	@echo "== Python tests on PostgreSQL + Redis"
	@$(call pytest,DEBUG=1 DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL),tests gpu_worker/tests,PostgreSQL + Redis)

test-python-sqlite:
	@echo "== Python tests on SQLite + in-memory layer"
	@$(call pytest,DEBUG=1 DATABASE_URL= REDIS_URL=,tests,SQLite + in-memory)

# The schemathesis GraphQL fuzz run (tests/security/test_fuzz.py), logged out and logged in, on
# PostgreSQL + Redis: about a minute (FUZZ_EXAMPLES=100 examples per operation and run).
fuzz: install services
	@echo "== GraphQL fuzz run (schemathesis)"
	@DEBUG=1 DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) nice -n 10 \
		$(PY) -m pytest -q -p no:cacheprovider -m fuzz tests/security

# Regenerates schema.graphql from the Strawberry schema and the frontend unit tests' copies of the
# presetParameters and presetNameRule answers (a test fails when any is stale).
schema: install
	DEBUG=1 $(PY) manage.py export_schema backend.schema:schema --path schema.graphql
	DEBUG=1 $(PY) manage.py shell -c "from tests.presets.test_parameters import FIXTURES, served_fixture; [path.write_text(served_fixture(path)) for path in FIXTURES]"

lint: install
	$(VENV)/bin/ruff check .

# The stock sound library (presets app): rendered by our own code, reproducible, a few seconds.
samples: install
	DEBUG=1 $(PY) manage.py build_samples

# Kick generation speed and memory against a pipeline of the original's shape (gpu_worker/README.md).
bench-generation: install
	nice -n 10 $(PY) bench/generation.py

bench-cold-start: install
	nice -n 10 $(PY) bench/cold_start.py

# --- Frontend (frontend/): React + TypeScript + Vite, built into frontend/dist for Django to serve.
# Node.js as frontend/package.json's engines require: .ci/node installs it into .tools/node when
# the machine's is older (as .ci/services installs PostgreSQL), and this PATH puts it first.
export PATH := $(CURDIR)/.tools/node/bin:$(PATH)
NPM := cd frontend && nice -n 10 npm
FRONTEND_SOURCES := $(shell find frontend/src -type f) frontend/index.html frontend/vite.config.ts frontend/codegen.ts

.PHONY: node frontend frontend-codegen test-frontend test-browser chromium bench-frontend

node:
	@PYTHON=$(PYTHON) .ci/node

frontend/node_modules/.package-lock.json: frontend/package-lock.json | node
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
	@# AI Kick Gen mode's 🎨 needs a colour emoji font, or the screenshots show an empty box.
	@fc-list | grep -q "Noto Color Emoji" || (apt-get update && apt-get install -y --no-install-recommends fonts-noto-color-emoji)

test-frontend: frontend/node_modules/.package-lock.json
	$(NPM) run --silent lint
	$(NPM) run --silent typecheck
	$(NPM) run --silent codegen:check
	$(NPM) run --silent test

# Real Chromium against the real backend (a fresh <TEST_DATABASE_URL>_e2e database); screenshots in frontend/test-results/.
test-browser: install samples services frontend chromium
	cd frontend && DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) nice -n 10 npm run --silent test:browser

# The presets query as a library grows (with/without the query optimizer) and the stock library build.
bench-presets: install
	DEBUG=1 nice -n 10 $(PY) bench/presets.py

# The kicks query with 30 kicks, and progress-event delivery across processes over Redis.
bench-kicks: install services
	DEBUG=1 DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) nice -n 10 $(PY) bench/kicks_api.py

# The audio engine's offline render cost in Chromium, as a table against an all-processors-off baseline.
bench-frontend: install samples frontend chromium
	cd frontend && nice -n 10 npm run --silent bench

# Kick model (gpu_worker.train / gpu_worker.evaluate). real-kicks: recorded kicks from Debian's
# drum packages (installed when missing), whole kits held out. The default model from scratch on
# the procedural corpus mixed with them (two hours on 2 CPU cores; CUDA is used when present),
# and its evaluation against held-out procedural and held-out real kicks.
.PHONY: real-kicks train-default-model evaluate-model
REAL_KICKS := var/train/real
real-kicks: install
	.ci/debian-packages $$($(PY) -c "from gpu_worker.real_kicks import DEBIAN_PACKAGES; print(*DEBIAN_PACKAGES)")
	$(PY) -m gpu_worker.train real-kicks --corpus var/train/real-corpus --data $(REAL_KICKS)

train-default-model: real-kicks
	$(PY) -m gpu_worker.train all --synthetic 4000 --real $(REAL_KICKS) --seed 2026 --minutes 120 \
		--out var/train/model

evaluate-model: install
	$(PY) -m gpu_worker.evaluate --data var/train/data --out var/eval
