# Switchyard: `make run` serves it at http://$(HOST):$(PORT); `make test` runs the suite;
# `make check` adds the linters. Settings come from the environment or a .env file.

-include .env
export

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Processes of the state worker that `make run` starts with the Celery runtime.
STATE_WORKERS ?= 2
# Where `make test` runs the API tests a second time when PostgreSQL answers.
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/switchyard
FRONTEND_SOURCES := $(shell find frontend/src -type f 2>/dev/null) frontend/index.html \
	frontend/package.json frontend/package-lock.json frontend/vite.config.ts frontend/tsconfig.json

.PHONY: run test check deps deps-dev frontend frontend-test migrate examples lint conformance bench worker-inference

run:
	@$(PYTHON) -m config.runtime_choice
	@$(MAKE) --no-print-directory deps frontend
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_examples
	@echo "Switchyard at http://$(HOST):$(PORT) (AWS endpoint, REST API at /api/)"
	@# With the Celery runtime, config/serve.py also starts state workers and an inference worker,
	@# each restarted if it dies, writing history straight to the database; they stop with the server.
	exec $(PY) -m config.serve --host $(HOST) --port $(PORT) --state-workers $(STATE_WORKERS)

test: deps-dev frontend-test
	$(PY) -m pytest
	@if $(PY) -c "import psycopg; psycopg.connect('$(PG_TEST_URL:/switchyard=/postgres)', connect_timeout=2).close()" 2>/dev/null; then \
		echo "PostgreSQL answers: running the API tests against it"; \
		DATABASE_URL=$(PG_TEST_URL) $(PY) -m pytest tests/api -m "not conformance"; \
	else \
		echo "PostgreSQL does not answer at $(PG_TEST_URL): skipped the PostgreSQL run"; \
	fi

check: deps-dev lint test

# The front end's unit tests (vitest: ASL <-> graph over every example and conformance case,
# the edits, the layout); skipped with a note where Node is missing.
frontend-test:
	@if command -v npm >/dev/null 2>&1; then \
		cd frontend && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm test --silent; \
	else \
		echo "npm not found: skipped the front-end unit tests (install Node 20)"; \
	fi

lint: deps-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	@if command -v npm >/dev/null 2>&1; then \
		cd frontend && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npx tsc --noEmit && npx oxlint src tests; \
	else \
		echo "npm not found: skipped the TypeScript check and oxlint (install Node 20)"; \
	fi

bench: deps-dev
	$(PY) -m bench.bench_engine
	$(PY) -m bench.bench_jsonata
	$(PY) -m bench.bench_inference
	$(PY) -m bench.bench_designer

# The inference worker for the Celery runtime: a thread pool, so that many broker messages
# wait on the batcher at once and leave as one model batch (docs/inference.md).
worker-inference: deps
	$(VENV)/bin/celery -A config worker -Q inference -P threads -c 128 --prefetch-multiplier 1 -n inference@%h

conformance: deps-dev
	$(PY) -m pytest -m conformance -s

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip

deps: $(VENV)/.requirements
deps-dev: $(VENV)/.requirements-dev

$(VENV)/.requirements: requirements.txt | $(PY)
	$(PY) -m pip install -r requirements.txt
	touch $@

$(VENV)/.requirements-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install -r requirements-dev.txt
	touch $(VENV)/.requirements $@

# Built when Node is there; without it "/" says how to build it and the API works as usual.
frontend:
	@if command -v npm >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory frontend/dist/index.html; \
	else \
		echo "npm not found: serving without the front end (install Node 20 to build it)"; \
	fi

frontend/dist/index.html: $(FRONTEND_SOURCES)
	cd frontend && npm ci --no-audit --no-fund && npm run build
